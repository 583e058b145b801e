import type { KubeconfigPlan, PkiPlan, PlannedFile } from '../plan';
import { renderKubeconfig } from './kubeconfig';
import { renderRbacFile } from './rbac-manifests';

/** PEM text of everything the plan names, keyed by certificate / key-pair id. Private keys stay in memory only. */
export interface PkiMaterial {
  certificates: Map<string, string>;
  privateKeys: Map<string, string>;
  publicKeys: Map<string, string>;
}

function required(map: Map<string, string>, id: string, what: string): string {
  const value = map.get(id);
  if (value === undefined) throw new Error(`internal: no ${what} for ${id}`);
  return value;
}

/** The content of one planned file, from the material. */
export function renderPlannedFile(plan: PkiPlan, file: PlannedFile, material: PkiMaterial): string {
  const { kind, of } = file.content;
  switch (kind) {
    case 'certificate':
      return required(material.certificates, of, 'certificate');
    case 'private-key':
      return required(material.privateKeys, of, 'private key');
    case 'public-key':
      return required(material.publicKeys, of, 'public key');
    case 'kubeconfig': {
      const kc = plan.kubeconfigs.find((k) => k.id === of) as KubeconfigPlan;
      return renderKubeconfig(kc, {
        caCertificatePem: required(material.certificates, 'ca', 'certificate'),
        clientCertificatePem: required(material.certificates, kc.certificate, 'certificate'),
        clientKeyPem: required(material.privateKeys, kc.certificate, 'private key'),
      });
    }
    case 'manifest':
      return renderRbacFile(plan.rbac.find((f) => f.path === of)!);
  }
}
