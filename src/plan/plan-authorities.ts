import type { ClusterSpec, RotatableAuthority, RotationPhase } from '../spec';
import { kubeadmCatalog, type KubeadmCaId } from '../vocabulary';

/**
 * One authority — a CA or the service-account key — and where its rotation stands. Generation 1 is the authority
 * kubeadm or kubepki first wrote (id `ca`, `etcd-ca`, `front-proxy-ca`, `sa`); generation g ≥ 2 gets the id and CN
 * suffix `-g` (`etcd-ca-2`), so old and new are told apart in every file, plan, diff and certificate issuer.
 */
export interface AuthorityPlan {
  authority: RotatableAuthority;
  /** The newest generation the spec names (1 when it was never rotated). */
  generation: number;
  /** `finish` also stands for "no rotation running". */
  phase: RotationPhase;
  /** The id that signs now: certificates name it as issuer; the sa key that mints tokens. */
  signer: string;
  /** Ids every verifier trusts, the signer first (kubeadm reads the first certificate of a bundle as the CA). */
  trusted: string[];
  /** During trust and issue: the generation leaving. */
  previous?: string;
  /** During trust: the generation arriving, trusted but not yet signing. */
  next?: string;
  /** The file base name under pki/ (`ca`, `etcd/ca`, `front-proxy-ca`, `sa`). */
  file: string;
  /** The CA's CN (generation 1's; later generations add `-g`); absent for the sa key. */
  commonName?: string;
}

/** A kubeadm catalog row as an authority: spec field, generation-1 id, file under pki/, CN. */
function authorityRow(
  authority: RotatableAuthority,
  id: KubeadmCaId | 'sa',
): { authority: RotatableAuthority; id: string; file: string; commonName?: string } {
  const row = kubeadmCatalog.find((r) => r.id === id)!;
  const file = row.file.replace(/^pki\//, '');
  return row.kind === 'key-pair' ? { authority, id, file } : { authority, id, file, commonName: row.commonName };
}

/** The authorities, read from the kubeadm catalog's CA and key-pair rows. */
export const authorityRows: readonly {
  authority: RotatableAuthority;
  id: string;
  file: string;
  commonName?: string;
}[] = [
  authorityRow('clusterCA', 'ca'),
  authorityRow('frontProxyCA', 'front-proxy-ca'),
  authorityRow('etcdCA', 'etcd-ca'),
  authorityRow('serviceAccountKey', 'sa'),
];

/** `ca` for generation 1, `ca-3` for generation 3: also how a CN grows (`kubernetes-3`). */
export function generationName(base: string, generation: number): string {
  return generation === 1 ? base : `${base}-${generation}`;
}

/** Every authority of the cluster (no etcd CA with external etcd), with its rotation stage. */
export function planAuthorities(spec: ClusterSpec): AuthorityPlan[] {
  const rotation = spec.spec.pki.rotation;
  const localEtcd = 'local' in spec.spec.etcd;
  return authorityRows
    .filter((row) => row.authority !== 'etcdCA' || localEtcd)
    .map((row) => {
      const stage = rotation?.[row.authority];
      const generation = stage?.generation ?? 1;
      const phase = stage?.phase ?? 'finish';
      const current = generationName(row.id, generation);
      const before = generationName(row.id, generation - 1);
      const common = {
        authority: row.authority,
        generation,
        phase,
        file: row.file,
        ...(row.commonName ? { commonName: row.commonName } : {}),
      };
      if (phase === 'trust')
        return { ...common, signer: before, trusted: [before, current], previous: before, next: current };
      if (phase === 'issue') return { ...common, signer: current, trusted: [current, before], previous: before };
      return { ...common, signer: current, trusted: [current] };
    });
}

/** The plan's authorities: recorded once a rotation began, else every authority at generation 1, finished. */
export function authoritiesOf(plan: {
  authorities?: AuthorityPlan[];
  cluster: { etcd: 'local' | 'external' };
}): AuthorityPlan[] {
  if (plan.authorities) return plan.authorities;
  return authorityRows
    .filter((row) => row.authority !== 'etcdCA' || plan.cluster.etcd === 'local')
    .map((row) => ({
      authority: row.authority,
      generation: 1,
      phase: 'finish' as const,
      signer: row.id,
      trusted: [row.id],
      file: row.file,
      ...(row.commonName ? { commonName: row.commonName } : {}),
    }));
}

/** The authority a certificate or key id belongs to, with the generation it names. */
export function authorityOfId(
  plan: Parameters<typeof authoritiesOf>[0],
  id: string,
): { authority: AuthorityPlan; generation: number } | undefined {
  for (const authority of authoritiesOf(plan)) {
    const row = authorityRows.find((r) => r.authority === authority.authority)!;
    if (id === row.id) return { authority, generation: 1 };
    const match = id.startsWith(`${row.id}-`) ? /^(\d+)$/.exec(id.slice(row.id.length + 1)) : null;
    if (match) return { authority, generation: Number(match[1]) };
  }
  return undefined;
}

export const authorityTitles: Record<RotatableAuthority, string> = {
  clusterCA: 'cluster CA',
  etcdCA: 'etcd CA',
  frontProxyCA: 'front-proxy CA',
  serviceAccountKey: 'service-account key',
};
