/** Minor version of `v1.33.0` → 33. */
export function kubernetesMinor(version: string): number {
  const match = /^v?1\.(\d+)/.exec(version);
  if (!match) throw new Error(`not a Kubernetes version: ${JSON.stringify(version)}`);
  return Number(match[1]);
}

/** Orders two `v1.x[.y]` versions by minor, then patch. */
export function compareKubernetesVersions(a: string, b: string): number {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
