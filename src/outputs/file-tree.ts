import { authoritiesOf, type CertificatePlan, type KubeconfigPlan, type PkiPlan, type PlannedFile } from '../plan';
import { renderCertificateSigningRequestManifest } from './certificate-signing-request-manifest';
import { renderKubeconfig } from './kubeconfig';
import { renderRbacFile } from './rbac-manifests';
import { renderKubeadmConfig } from './kubeadm-config';
import { labelServiceAccountPublicKey } from './service-account-key-labels';

/** PEM text of everything the plan names, keyed by certificate / key-pair id. Private keys stay in memory only. */
export interface PkiMaterial {
  certificates: Map<string, string>;
  privateKeys: Map<string, string>;
  publicKeys: Map<string, string>;
  /** Users' CSRs and intermediate CAs' CSRs (PEM) by certificate id: public, they travel instead of the keys. */
  certificationRequests?: Map<string, string>;
  /** The bootstrap token (secret): needed by the kubeadm configurations and the bootstrap-token file. */
  bootstrapToken?: string;
  /** `sha256:<hex>` pins of the public keys of every CA in ca.crt, for the join configurations. */
  caCertHashes?: string[];
}

function required(map: Map<string, string>, id: string, what: string): string {
  const value = map.get(id);
  if (value === undefined) throw new Error(`internal: no ${what} for ${id}`);
  return value;
}

// A plan's certificates and kubeconfigs by id, indexed once: a scan per rendered file is quadratic in the tree.
const indexes = new WeakMap<
  PkiPlan,
  { certificates: Map<string, CertificatePlan>; kubeconfigs: Map<string, KubeconfigPlan> }
>();
function indexOf(plan: PkiPlan) {
  let index = indexes.get(plan);
  if (!index) {
    index = {
      certificates: new Map(plan.certificates.map((c) => [c.id, c])),
      kubeconfigs: new Map(plan.kubeconfigs.map((k) => [k.id, k])),
    };
    indexes.set(plan, index);
  }
  return index;
}

function certificateOf(plan: PkiPlan, id: string): CertificatePlan {
  return indexOf(plan).certificates.get(id)!;
}

function requiredSecret<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: no ${what}`);
  return value;
}

/** The content of one planned file, from the material. */
export function renderPlannedFile(plan: PkiPlan, file: PlannedFile, material: PkiMaterial): string {
  const { kind, of } = file.content;
  switch (kind) {
    case 'certificate':
      return pemBundle(
        [of, ...(file.content.bundle ?? [])].map((id) => required(material.certificates, id, 'certificate')),
      );
    case 'private-key':
      return required(material.privateKeys, of, 'private key');
    case 'public-key':
      return pemBundle(
        [of, ...(file.content.bundle ?? [])].map((id) =>
          labelServiceAccountPublicKey(id, required(material.publicKeys, id, 'public key')),
        ),
      );
    case 'kubeconfig': {
      const kc = indexOf(plan).kubeconfigs.get(of)!;
      return renderKubeconfig(kc, {
        caCertificatePem: clusterTrustBundle(plan, material),
        clientCertificatePem: required(material.certificates, kc.certificate, 'certificate'),
        ...(certificateOf(plan, kc.certificate).keyHolder === 'user'
          ? {}
          : { clientKeyPem: required(material.privateKeys, kc.certificate, 'private key') }),
      });
    }
    case 'certification-request':
      return required(material.certificationRequests ?? new Map<string, string>(), of, 'certificate signing request');
    case 'csr-manifest':
      return renderCertificateSigningRequestManifest(
        certificateOf(plan, of),
        required(material.certificationRequests ?? new Map<string, string>(), of, 'certificate signing request'),
      );
    case 'manifest':
      return renderRbacFile(plan.rbac.find((f) => f.path === of)!);
    case 'kubeadm-config': {
      const config = plan.kubeadm!;
      const node = config.nodes.find((n) => n.node === of)!;
      return renderKubeadmConfig(config, node, {
        bootstrapToken: requiredSecret(material.bootstrapToken, 'bootstrap token'),
        caCertHashes: requiredSecret(material.caCertHashes, 'CA certificate hashes'),
      });
    }
    case 'bootstrap-token':
      return `${requiredSecret(material.bootstrapToken, 'bootstrap token')}\n`;
  }
}

/** PEM blocks one after the other; a single one is returned byte for byte (a kept file stays as it was). */
function pemBundle(pems: string[]): string {
  if (pems.length === 1) return pems[0]!;
  return pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}

/** What a kubeconfig's certificate-authority-data holds: every cluster CA generation the stage trusts, signer first. */
export function clusterTrustBundle(plan: PkiPlan, material: PkiMaterial): string {
  const clusterCa = authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!;
  return pemBundle(clusterCa.trusted.map((id) => required(material.certificates, id, 'certificate')));
}
