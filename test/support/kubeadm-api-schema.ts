/**
 * The kubeadm configuration API as zod schemas, written down field by field from kubeadm's own Go types, so tests can
 * validate what kubepki generates without a kubeadm binary:
 *
 * - `cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go` (kubernetes/kubernetes, commit 1329935739c3aa007d23cb9a4dadfee9d59ff79b,
 *   the v1beta4 of kubeadm 1.31–1.34: Timeouts, EncryptionAlgorithm, Certificate/CACertificateValidityPeriod, Arg lists)
 * - `cmd/kubeadm/app/apis/bootstraptoken/v1/types.go` (BootstrapToken; the token string format is
 *   `bootstraputil.BootstrapTokenRegexp`, `^([a-z0-9]{6})\.([a-z0-9]{16})$`)
 * - `staging/src/k8s.io/kubelet/config/v1beta1/types.go` (KubeletConfiguration: only the fields kubepki writes are
 *   spelled out; kubelet fields are all optional)
 * - `cmd/kubeadm/app/util/pubkeypin/pubkeypin.go` (caCertHashes: `sha256:` + 64 hex digits)
 *
 * Objects are strict, as kubeadm's strict decoding reports unknown fields. JSON names are the `json:"…"` tags; a Go
 * field without `omitempty` that kubeadm requires (Discovery, BootstrapTokenDiscovery.Token, ExternalEtcd.Endpoints)
 * is required here. ECDSA-P384 is accepted from kubeadm 1.34's EncryptionAlgorithmType list.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export const kubeadmApiSource = {
  repository: 'kubernetes/kubernetes',
  commit: '1329935739c3aa007d23cb9a4dadfee9d59ff79b',
  files: [
    'cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go',
    'cmd/kubeadm/app/apis/bootstraptoken/v1/types.go',
    'staging/src/k8s.io/kubelet/config/v1beta1/types.go',
    'cmd/kubeadm/app/util/pubkeypin/pubkeypin.go',
  ],
} as const;

const v1beta4 = z.literal('kubeadm.k8s.io/v1beta4');
/** metav1.Duration: Go's time.ParseDuration syntax. */
const duration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, 'a Go duration like 24h0m0s');
const dns1123Subdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** kubeadm ValidateCertSANs: an IP, a DNS-1123 subdomain, or a wildcard DNS name. */
const certSan = z
  .string()
  .refine(
    (v) => isIP(v) !== 0 || dns1123Subdomain.test(v) || (v.startsWith('*.') && dns1123Subdomain.test(v.slice(2))),
    'an IP, DNS name or wildcard',
  );
const absolutePath = z.string().startsWith('/');
const port = z.number().int().min(1).max(65535);

/** Arg: `{name, value}` (v1beta4 replaced v1beta3's map with a list). */
const arg = z.strictObject({ name: z.string().min(1), value: z.string() });
const envVar = z.strictObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z.unknown().optional(),
});
const hostPathMount = z.strictObject({
  name: z.string(),
  hostPath: z.string(),
  mountPath: z.string(),
  readOnly: z.boolean().optional(),
  pathType: z.string().optional(),
});
const controlPlaneComponent = {
  extraArgs: z.array(arg).optional(),
  extraVolumes: z.array(hostPathMount).optional(),
  extraEnvs: z.array(envVar).optional(),
};
const imageMeta = { imageRepository: z.string().optional(), imageTag: z.string().optional() };
const apiEndpoint = z.strictObject({
  advertiseAddress: z
    .string()
    .refine((v) => isIP(v) !== 0, 'an IP address')
    .optional(),
  bindPort: port.optional(),
});
const taint = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  timeAdded: z.string().optional(),
});
const nodeRegistration = z.strictObject({
  name: z.string().regex(dns1123Subdomain).optional(),
  criSocket: z.string().optional(),
  taints: z.array(taint).nullable().optional(),
  kubeletExtraArgs: z.array(arg).optional(),
  ignorePreflightErrors: z.array(z.string().min(1)).optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  imagePullSerial: z.boolean().optional(),
});
const timeouts = z.strictObject({
  controlPlaneComponentHealthCheck: duration.optional(),
  kubeletHealthCheck: duration.optional(),
  kubernetesAPICall: duration.optional(),
  etcdAPICall: duration.optional(),
  tlsBootstrap: duration.optional(),
  discovery: duration.optional(),
  upgradeManifests: duration.optional(),
});
const patches = z.strictObject({ directory: z.string().optional() });

export const bootstrapTokenString = z
  .string()
  .regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/, 'a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}');
export const caCertHash = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex digits>');

const bootstrapToken = z
  .strictObject({
    token: bootstrapTokenString,
    description: z.string().optional(),
    ttl: duration.optional(),
    expires: z.string().optional(),
    usages: z.array(z.enum(['signing', 'authentication'])).optional(),
    groups: z.array(z.string().regex(/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/)).optional(),
  })
  .refine((t) => !(t.ttl && t.expires), 'ttl and expires are mutually exclusive');

export const initConfigurationSchema = z.strictObject({
  apiVersion: v1beta4,
  kind: z.literal('InitConfiguration'),
  bootstrapTokens: z.array(bootstrapToken).optional(),
  dryRun: z.boolean().optional(),
  nodeRegistration: nodeRegistration.optional(),
  localAPIEndpoint: apiEndpoint.optional(),
  certificateKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  skipPhases: z.array(z.string()).optional(),
  patches: patches.optional(),
  timeouts: timeouts.optional(),
});

const localEtcd = z.strictObject({
  ...imageMeta,
  dataDir: absolutePath.optional(),
  extraArgs: z.array(arg).optional(),
  extraEnvs: z.array(envVar).optional(),
  serverCertSANs: z.array(certSan).optional(),
  peerCertSANs: z.array(certSan).optional(),
});
const externalEtcd = z.strictObject({
  endpoints: z.array(z.string().url()).min(1),
  caFile: absolutePath,
  certFile: absolutePath,
  keyFile: absolutePath,
});

export const clusterConfigurationSchema = z.strictObject({
  apiVersion: v1beta4,
  kind: z.literal('ClusterConfiguration'),
  etcd: z
    .strictObject({ local: localEtcd.optional(), external: externalEtcd.optional() })
    .refine((e) => !(e.local && e.external), 'etcd.local and etcd.external are mutually exclusive')
    .optional(),
  networking: z
    .strictObject({
      serviceSubnet: z.string().optional(),
      podSubnet: z.string().optional(),
      dnsDomain: z.string().regex(dns1123Subdomain).optional(),
    })
    .optional(),
  kubernetesVersion: z
    .string()
    .regex(/^v?1\.\d+\.\d+/)
    .optional(),
  // host[:port]: an IP (IPv6 in brackets) or DNS-1123 subdomain, optional port.
  controlPlaneEndpoint: z
    .string()
    .refine((v) => {
      const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(:(\d+))?$/.exec(v);
      if (!m) return false;
      const host = m[1]!.replace(/^\[|\]$/g, '');
      return (
        (isIP(host) !== 0 || dns1123Subdomain.test(host)) &&
        (m[3] === undefined || (Number(m[3]) >= 1 && Number(m[3]) <= 65535))
      );
    }, 'host[:port]')
    .optional(),
  apiServer: z.strictObject({ ...controlPlaneComponent, certSANs: z.array(certSan).optional() }).optional(),
  controllerManager: z.strictObject(controlPlaneComponent).optional(),
  scheduler: z.strictObject(controlPlaneComponent).optional(),
  dns: z.strictObject({ ...imageMeta, disabled: z.boolean().optional() }).optional(),
  proxy: z.strictObject({ disabled: z.boolean().optional() }).optional(),
  certificatesDir: absolutePath.optional(),
  imageRepository: z.string().optional(),
  featureGates: z.record(z.string(), z.boolean()).optional(),
  clusterName: z.string().optional(),
  encryptionAlgorithm: z.enum(['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384']).optional(),
  certificateValidityPeriod: duration.optional(),
  caCertificateValidityPeriod: duration.optional(),
});

const apiServerEndpoint = z.string().refine((v) => {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\]]+):(\d+)$/.exec(v);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'host:port');

export const joinConfigurationSchema = z.strictObject({
  apiVersion: v1beta4,
  kind: z.literal('JoinConfiguration'),
  dryRun: z.boolean().optional(),
  nodeRegistration: nodeRegistration.optional(),
  caCertPath: absolutePath.optional(),
  discovery: z
    .strictObject({
      bootstrapToken: z
        .strictObject({
          token: bootstrapTokenString,
          apiServerEndpoint: apiServerEndpoint.optional(),
          caCertHashes: z.array(caCertHash).optional(),
          unsafeSkipCAVerification: z.boolean().optional(),
        })
        .optional(),
      file: z.strictObject({ kubeConfigPath: z.string() }).optional(),
      tlsBootstrapToken: bootstrapTokenString.optional(),
    })
    // kubeadm ValidateDiscovery: exactly one of bootstrapToken and file; token discovery needs pins or the unsafe opt-out.
    .refine(
      (d) => (d.bootstrapToken === undefined) !== (d.file === undefined),
      'exactly one of discovery.bootstrapToken and discovery.file',
    )
    .refine(
      (d) =>
        !d.bootstrapToken ||
        (d.bootstrapToken.caCertHashes?.length ?? 0) > 0 ||
        d.bootstrapToken.unsafeSkipCAVerification === true,
      'caCertHashes or unsafeSkipCAVerification',
    ),
  controlPlane: z
    .strictObject({
      localAPIEndpoint: apiEndpoint.optional(),
      certificateKey: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    })
    .optional(),
  skipPhases: z.array(z.string()).optional(),
  patches: patches.optional(),
  timeouts: timeouts.optional(),
});

export const kubeletConfigurationSchema = z
  .object({
    apiVersion: z.literal('kubelet.config.k8s.io/v1beta1'),
    kind: z.literal('KubeletConfiguration'),
    tlsCertFile: absolutePath.optional(),
    tlsPrivateKeyFile: absolutePath.optional(),
    serverTLSBootstrap: z.boolean().optional(),
    rotateCertificates: z.boolean().optional(),
    clusterDomain: z.string().regex(dns1123Subdomain).optional(),
    clusterDNS: z.array(z.string()).optional(),
    authentication: z
      .strictObject({
        x509: z.strictObject({ clientCAFile: absolutePath.optional() }).optional(),
        webhook: z.strictObject({ enabled: z.boolean().optional(), cacheTTL: duration.optional() }).optional(),
        anonymous: z.strictObject({ enabled: z.boolean().optional() }).optional(),
      })
      .optional(),
    authorization: z
      .strictObject({ mode: z.enum(['AlwaysAllow', 'Webhook']).optional(), webhook: z.unknown().optional() })
      .optional(),
  })
  // The kubelet reads both or neither (a cert without its key fails at start-up).
  .refine(
    (k) => (k.tlsCertFile === undefined) === (k.tlsPrivateKeyFile === undefined),
    'tlsCertFile and tlsPrivateKeyFile go together',
  );

const byKind: Record<string, z.ZodType> = {
  InitConfiguration: initConfigurationSchema,
  ClusterConfiguration: clusterConfigurationSchema,
  JoinConfiguration: joinConfigurationSchema,
  KubeletConfiguration: kubeletConfigurationSchema,
};

/** Validates every document of a kubeadm --config file; returns one message per problem (empty when valid). */
export function kubeadmConfigProblems(documents: unknown[]): string[] {
  const problems: string[] = [];
  for (const [i, doc] of documents.entries()) {
    const kind = (doc as { kind?: string })?.kind ?? '';
    const schema = byKind[kind];
    if (!schema) {
      problems.push(`document ${i}: unknown kind ${JSON.stringify(kind)}`);
      continue;
    }
    const result = schema.safeParse(doc);
    if (!result.success)
      for (const issue of result.error.issues) problems.push(`${kind}.${issue.path.join('.')}: ${issue.message}`);
  }
  return problems;
}
