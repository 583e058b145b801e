import { z } from 'zod';
import { caKeyHolders, keyAlgorithms, type CaKeyHolder } from '../vocabulary';
import { isDns1123Subdomain } from './dns-name';
import { quoteSpecValue } from './spec-error';
import {
  checked,
  maxValidityHours,
  nodeAddress,
  nodeName,
  cidrList,
  validityPeriod,
  certSan,
  endpoint,
  userName,
  groupName,
  roleName,
  clusterName,
  referenceText,
  namespaceName,
  kubernetesVersion,
  port,
  absolutePath,
} from './spec-fields';

export { caKeyHolders, maxValidityHours, type CaKeyHolder };

// Field names follow kubeadm's v1beta4 ClusterConfiguration/InitConfiguration wherever kubeadm has the concept, so a
// kubeadm user recognises every knob. Objects are strict: a misspelled field is an error, never silently ignored.

const caKeyHolder = z.enum(caKeyHolders);

/** A control-plane node: runs kube-apiserver, etcd (local mode), controller-manager and scheduler. */
export const controlPlaneNodeSchema = z.strictObject({
  /** Node name: the kubelet's identity `system:node:<name>` and a SAN of its apiserver and etcd certificates. */
  name: nodeName.describe(
    "Node name: the kubelet's identity `system:node:<name>` and a SAN of its apiserver and etcd certificates.",
  ),
  /** The address kube-apiserver and etcd advertise; an IP SAN of this node's serving certificates. */
  advertiseAddress: nodeAddress.describe(
    "The address kube-apiserver and etcd advertise; an IP SAN of this node's serving certificates.",
  ),
});

/** A worker node: gets only `pki/ca.crt` and its `kubelet.conf`. */
export const workerNodeSchema = z.strictObject({
  name: nodeName,
  /** The node's address (the kubelet's --node-ip); an IP SAN of its kubelet serving certificate. Required with pki.kubeletServingCertificates. */
  address: nodeAddress
    .optional()
    .describe(
      "The node's address (the kubelet's --node-ip); an IP SAN of its kubelet serving certificate. Required with pki.kubeletServingCertificates.",
    ),
});

const policyRuleSchema = z.strictObject({
  apiGroups: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  verbs: z.array(z.string().min(1)).min(1),
  resourceNames: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
});

export const userSchema = z.strictObject({
  /** Certificate CN and kubeconfig user name. */
  name: userName.describe('Certificate CN and kubeconfig user name.'),
  /** Certificate O entries, one per group. @default [] */
  groups: z.array(groupName).default([]).describe('Certificate O entries, one per group. Default: [].'),
  /** One kubeconfig context per namespace, the first is current. @default [] (one context without namespace) */
  namespaces: z
    .array(namespaceName)
    .default([])
    .describe(
      'One kubeconfig context per namespace, the first is current. Default: [] (one context without namespace).',
    ),
  /** Client certificate validity; at most the CA's. @default pki.certificateValidityPeriod */
  validityPeriod: validityPeriod
    .optional()
    .describe("Client certificate validity; at most the CA's. Default: pki.certificateValidityPeriod."),
  /**
   * A PEM certificate signing request the user made on their own machine (`kubepki user-request`), relative to the
   * spec file. kubepki signs it and never holds the user's key; the kubeconfig carries the certificate only.
   */
  csr: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A PEM CSR the user made on their own machine (`kubepki user-request`), relative to the spec file: kubepki signs it and never holds the user's key.",
    ),
});

export const serviceAccountSchema = z.strictObject({
  name: nodeName,
  namespace: namespaceName,
  /** @default true, as Kubernetes */
  automountServiceAccountToken: z
    .boolean()
    .optional()
    .describe("Whether pods mount this account's token. Default: true, as Kubernetes."),
});

export const roleSchema = z.strictObject({
  name: roleName,
  /** Absent → a ClusterRole. */
  namespace: namespaceName.optional().describe('Absent → a ClusterRole.'),
  rules: z.array(policyRuleSchema).default([]),
  labels: z.record(z.string(), z.string()).optional(),
});

export const accessSchema = z.strictObject({
  /** `user:<name>`, `group:<name>` or `serviceAccount:<namespace>/<name>`. */
  subjects: z
    .array(referenceText)
    .min(1)
    .describe('`user:<name>`, `group:<name>` or `serviceAccount:<namespace>/<name>`.'),
  role: roleName.optional(),
  clusterRole: roleName.optional(),
  /** Absent → a ClusterRoleBinding (clusterRole) or a RoleBinding in the role's namespace (role). */
  namespaces: z
    .array(namespaceName)
    .optional()
    .describe("Absent → a ClusterRoleBinding (clusterRole) or a RoleBinding in the role's namespace (role)."),
});

export const expectationSchema = z.strictObject({
  as: referenceText,
  can: z.array(referenceText).optional(),
  cannot: z.array(referenceText).optional(),
  namespace: namespaceName.optional(),
});

/** The offline root that signs an intermediate CA: only its certificate, never its key. */
export const caParentSchema = z.strictObject({
  /** The root's PEM certificate, relative to the spec file. */
  certificate: z
    .string()
    .min(1)
    .describe("The offline root's PEM certificate, relative to the spec file; its key never reaches kubepki."),
});

/** The stages of a rotation, in the only order they may be taken (see the README's "Rotating a CA or the sa key"). */
export const rotationPhases = ['trust', 'issue', 'finish'] as const;
export type RotationPhase = (typeof rotationPhases)[number];

/** One authority's rotation: which generation is being brought in, and how far. */
export const authorityRotationSchema = z.strictObject({
  /** The generation being brought in: 2 for the first rotation, then 3, ... The first authority is generation 1. */
  generation: z
    .number()
    .int()
    .min(2)
    .max(999)
    .describe(
      'The generation being brought in: 2 for the first rotation, then 3, ... The authority kubeadm or kubepki first wrote is generation 1.',
    ),
  /** `trust`: the new authority is trusted beside the old; `issue`: everything is reissued by the new one; `finish`: the old one leaves every trust file. */
  phase: z
    .enum(rotationPhases)
    .describe(
      '`trust`: the new authority is created and trusted beside the old, nothing is reissued; `issue`: every leaf and kubeconfig is reissued by the new one, both stay trusted; `finish`: the old one leaves every trust file. Keep `finish` in the spec afterwards: it records the generation.',
    ),
});
export type AuthorityRotationSpec = z.output<typeof authorityRotationSchema>;

/** The four authorities kubepki can rotate, by their spec field. */
export const rotatableAuthorities = ['clusterCA', 'etcdCA', 'frontProxyCA', 'serviceAccountKey'] as const;
export type RotatableAuthority = (typeof rotatableAuthorities)[number];

const rotationSchema = z
  .strictObject({
    clusterCA: authorityRotationSchema.optional(),
    etcdCA: authorityRotationSchema.optional(),
    frontProxyCA: authorityRotationSchema.optional(),
    serviceAccountKey: authorityRotationSchema.optional(),
  })
  .describe(
    'Staged rotation, one authority at a time or several together: each stage is one spec change (trust → issue → finish).',
  );

export const clusterSpecSchema = z.strictObject({
  apiVersion: z.literal('kubepki.io/v1alpha1'),
  kind: z.literal('Cluster'),
  metadata: z.strictObject({ name: nodeName }),
  spec: z.strictObject({
    /** kubeconfig cluster name. @default "kubernetes" */
    clusterName: clusterName.default('kubernetes').describe('kubeconfig cluster name. Default: "kubernetes".'),
    /** Decides version-dependent subjects (see the kubeadm reference). @default "v1.33.0" */
    kubernetesVersion: kubernetesVersion
      .default('v1.33.0')
      .describe('Decides version-dependent subjects (see the kubeadm reference). Default: "v1.33.0".'),
    /** Stable host[:port] for kube-apiserver (a load balancer or DNS name); a SAN of every apiserver certificate. */
    controlPlaneEndpoint: endpoint
      .optional()
      .describe(
        'Stable host[:port] for kube-apiserver (a load balancer or DNS name); a SAN of every apiserver certificate.',
      ),
    networking: z
      .strictObject({
        /** @default "cluster.local" */
        dnsDomain: checked(
          'invalid_dns_domain',
          isDns1123Subdomain,
          (v) => `${quoteSpecValue(v)} is not a DNS-1123 subdomain like cluster.local`,
        ).default('cluster.local'),
        /** Service CIDR(s); the first address of the first is an apiserver SAN. @default "10.96.0.0/12" */
        serviceSubnet: cidrList
          .default('10.96.0.0/12')
          .describe('Service CIDR(s); the first address of the first is an apiserver SAN. Default: "10.96.0.0/12".'),
        podSubnet: cidrList.optional(),
      })
      .prefault({})
      .describe('Service and DNS settings, as kubeadm networking.'),
    apiServer: z
      .strictObject({
        /** Extra SANs: IPs, DNS names or wildcards. @default [] */
        certSANs: z.array(certSan).default([]).describe('Extra SANs: IPs, DNS names or wildcards. Default: [].'),
        /** @default 6443 */
        bindPort: port.default(6443).describe('The port kube-apiserver listens on. Default: 6443.'),
      })
      .prefault({}),
    controlPlane: z
      .array(controlPlaneNodeSchema)
      .describe(
        'Control-plane nodes (one or more): each gets its own apiserver, etcd and client certificates; CAs and the sa key are shared.',
      ),
    /** @default [] */
    workers: z
      .array(workerNodeSchema)
      .default([])
      .describe('Worker nodes: each gets pki/ca.crt and kubelet.conf only. Default: [].'),
    /** `local` (kubeadm's stacked etcd, with its own CA) or `external` (no etcd PKI). @default {local: {}} */
    etcd: z
      .union([
        z.strictObject({
          local: z
            .strictObject({
              serverCertSANs: z.array(certSan).default([]),
              peerCertSANs: z.array(certSan).default([]),
            })
            .prefault({}),
        }),
        z.strictObject({
          external: z
            .strictObject({
              endpoints: z.array(z.string()).default([]),
              /** etcd's CA, which kube-apiserver trusts (--etcd-cafile). @default "/etc/kubernetes/pki/etcd/ca.crt" */
              caFile: absolutePath
                .optional()
                .describe(
                  'etcd\'s CA as kube-apiserver reads it (--etcd-cafile). Default: "/etc/kubernetes/pki/etcd/ca.crt".',
                ),
              /** kube-apiserver's etcd client certificate (--etcd-certfile). @default "/etc/kubernetes/pki/apiserver-etcd-client.crt" */
              certFile: absolutePath
                .optional()
                .describe(
                  'kube-apiserver\'s etcd client certificate (--etcd-certfile). Default: "/etc/kubernetes/pki/apiserver-etcd-client.crt".',
                ),
              /** Its key (--etcd-keyfile). @default "/etc/kubernetes/pki/apiserver-etcd-client.key" */
              keyFile: absolutePath
                .optional()
                .describe('Its key (--etcd-keyfile). Default: "/etc/kubernetes/pki/apiserver-etcd-client.key".'),
            })
            .prefault({}),
        }),
      ])
      .prefault({ local: {} }),
    pki: z
      .strictObject({
        /** @default "RSA-2048" */
        encryptionAlgorithm: z
          .enum(keyAlgorithms)
          .default('RSA-2048')
          .describe('Key algorithm of every CA, certificate and the sa key. Default: "RSA-2048".'),
        /** Leaf certificate validity. @default "8760h" */
        certificateValidityPeriod: validityPeriod
          .default('8760h')
          .describe('Leaf certificate validity. Default: "8760h".'),
        /** CA validity. @default "87600h" */
        caCertificateValidityPeriod: validityPeriod.default('87600h').describe('CA validity. Default: "87600h".'),
        /** Reissue a leaf this long before it expires (`pulumi up`'s early renewal; `kubepki generate` too). */
        renewBefore: validityPeriod
          .optional()
          .describe(
            "Reissue a leaf this long before it expires (`pulumi up`'s early renewal; `kubepki generate` too).",
          ),
        /** Where each CA's key lives (kubepki, external-ca, cfssl, hsm). @default every CA: kubepki */
        caKeys: z
          .strictObject({
            ca: caKeyHolder.optional(),
            'front-proxy-ca': caKeyHolder.optional(),
            'etcd-ca': caKeyHolder.optional(),
          })
          .optional()
          .describe(
            'Where each CA key lives: kubepki (in the tree), external-ca (an outside CA signs the CSRs kubepki writes), cfssl (a cfssl serve signs remotely), hsm (a PKCS#11 token signs). Default: kubepki for every CA.',
          ),
        /** CAs that are intermediates of an offline root (its certificate only; kubepki never sees its key). @default none */
        caParents: z
          .strictObject({
            ca: caParentSchema.optional(),
            'front-proxy-ca': caParentSchema.optional(),
            'etcd-ca': caParentSchema.optional(),
          })
          .optional()
          .describe(
            'CAs that are intermediates of an offline root: kubepki makes the intermediate key and a CSR (<ca>.csr beside it), the root signs it elsewhere, and the signed certificate placed at <ca>.crt is checked (signed by the root, CA:TRUE, pathLen 0, keyCertSign, the key kubepki made) before any leaf is issued from it. Default: every CA self-signed.',
          ),
        /** Staged rotation of the CAs and the sa key; absent = generation 1 of each, no rotation running. */
        rotation: rotationSchema.optional(),
        /**
         * Issue every node a kubelet serving certificate signed by the cluster CA and set kube-apiserver's
         * --kubelet-certificate-authority, so the apiserver verifies kubelets (CIS 1.2.5). Recommended. @default false
         */
        kubeletServingCertificates: z
          .boolean()
          .default(false)
          .describe(
            "Issue every node a kubelet serving certificate (port 10250) signed by the cluster CA and set kube-apiserver's --kubelet-certificate-authority, so the apiserver verifies kubelets (CIS 1.2.5). Recommended; needs every worker's address. Default: false.",
          ),
      })
      .prefault({}),
    /** Human users: one client certificate and kubeconfig each. @default [] */
    users: z
      .array(userSchema)
      .default([])
      .describe('Human users: one client certificate and kubeconfig each. Default: [].'),
    serviceAccounts: z.array(serviceAccountSchema).default([]),
    roles: z.array(roleSchema).default([]),
    access: z.array(accessSchema).default([]),
    expect: z.array(expectationSchema).default([]),
  }),
});

/** A cluster spec as users write it: optional fields may be left out. */
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
/** A cluster spec after validation, every default applied. */
export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type ControlPlaneNodeSpec = ClusterSpec['spec']['controlPlane'][number];
export type WorkerNodeSpec = ClusterSpec['spec']['workers'][number];
export type UserSpec = ClusterSpec['spec']['users'][number];
export type ServiceAccountSpec = ClusterSpec['spec']['serviceAccounts'][number];
export type RoleSpec = ClusterSpec['spec']['roles'][number];
export type AccessSpec = ClusterSpec['spec']['access'][number];
export type ExpectationSpec = ClusterSpec['spec']['expect'][number];
export type PolicyRuleSpec = RoleSpec['rules'][number];
