import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as tls from '@pulumi/tls';
import * as local from '@pulumi/local';
import { certificateContent, type CertificatePlan, type PkiPlan, type PlannedFile } from '../../plan';
import { renderKubeconfig, renderRbacFile } from '../../outputs';
import { allowedUsesOf, tlsPrivateKeyArgs } from './tls-provider-mapping';
import { MultiGroupCertificate } from './multi-group-certificate';
import { applyRbac } from './apply-rbac';

export interface KubePkiArgs {
  /** The plan (`planPki(spec)`); resource names come from its ids. */
  plan: PkiPlan;
  /** Directory that receives the same tree as `kubepki generate --out`. */
  outDir: string;
  /** Apply the RBAC manifests to the cluster through admin.conf. @default false */
  applyRbac?: boolean;
}

/** One issued certificate as the component exposes it. */
export interface IssuedCertificate {
  certPem: pulumi.Output<string>;
  /** Secret. */
  privateKeyPem: pulumi.Output<string>;
  validityEndTime: pulumi.Output<string>;
}

/**
 * The kubeadm PKI of a plan as Pulumi resources: tls.PrivateKey for every key, tls.SelfSignedCert for the CAs,
 * tls.CertRequest + tls.LocallySignedCert for leaves (a MultiGroupCertificate for subjects with several O), files
 * through @pulumi/local, and optionally the RBAC objects through @pulumi/kubernetes. Private keys and kubeconfigs
 * stay Pulumi secrets.
 */
export class KubePki extends pulumi.ComponentResource {
  readonly certificates: Record<string, IssuedCertificate> = {};
  /** Secret kubeconfig text by kubeconfig id. */
  readonly kubeconfigs: Record<string, pulumi.Output<string>> = {};
  readonly serviceAccountPrivateKeyPem: pulumi.Output<string>;
  readonly serviceAccountPublicKeyPem: pulumi.Output<string>;
  readonly files: Record<string, local.File | local.SensitiveFile> = {};
  private readonly childName: (id: string) => string;

  constructor(name: string, args: KubePkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('kubepki:index:KubePki', name, {}, opts);
    const { plan } = args;
    const child = { parent: this };
    // A child's URN holds its parent's type but not its name: prefixing the component's name keeps two KubePki
    // instances in one program apart. The rest of each name is a plan id or file path, so adding a node or a user
    // never renames another resource.
    const named = (id: string) => `${name}/${id}`;
    this.childName = named;
    const earlyRenewalHours = plan.cluster.renewBeforeHours ?? 0;

    const privateKey = (id: string, algorithm: CertificatePlan['algorithm']) => new tls.PrivateKey(named(id), tlsPrivateKeyArgs[algorithm], child);

    for (const ca of plan.certificates.filter((c) => c.isCa)) {
      const key = privateKey(ca.id, ca.algorithm);
      const cert = new tls.SelfSignedCert(
        named(ca.id),
        {
          privateKeyPem: key.privateKeyPem,
          subject: subjectArgs(ca),
          dnsNames: ca.sans.dnsNames,
          ipAddresses: ca.sans.ipAddresses,
          validityPeriodHours: ca.validityHours,
          allowedUses: allowedUsesOf(ca.keyUsages, ca.extendedKeyUsages),
          isCaCertificate: true,
          setSubjectKeyId: true,
        },
        child,
      );
      this.certificates[ca.id] = { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem), validityEndTime: cert.validityEndTime };
    }

    for (const leaf of plan.certificates.filter((c) => !c.isCa)) {
      const ca = this.certificates[leaf.issuer]!;
      const key = privateKey(leaf.id, leaf.algorithm);
      let certPem: pulumi.Output<string>;
      let validityEndTime: pulumi.Output<string>;
      if (leaf.subject.organizations.length > 1) {
        const cert = new MultiGroupCertificate(
          named(leaf.id),
          {
            template: certificateContent(leaf),
            privateKeyPem: key.privateKeyPem,
            caCertPem: ca.certPem,
            caPrivateKeyPem: ca.privateKeyPem,
            earlyRenewalHours,
          },
          child,
        );
        certPem = cert.certPem;
        validityEndTime = cert.validityEndTime;
      } else {
        const request = new tls.CertRequest(
          named(leaf.id),
          { privateKeyPem: key.privateKeyPem, subject: subjectArgs(leaf), dnsNames: leaf.sans.dnsNames, ipAddresses: leaf.sans.ipAddresses },
          child,
        );
        const cert = new tls.LocallySignedCert(
          named(leaf.id),
          {
            certRequestPem: request.certRequestPem,
            caCertPem: ca.certPem,
            caPrivateKeyPem: ca.privateKeyPem,
            validityPeriodHours: leaf.validityHours,
            earlyRenewalHours,
            allowedUses: allowedUsesOf(leaf.keyUsages, leaf.extendedKeyUsages),
            isCaCertificate: false,
          },
          child,
        );
        certPem = cert.certPem;
        validityEndTime = cert.validityEndTime;
      }
      this.certificates[leaf.id] = { certPem, privateKeyPem: pulumi.secret(key.privateKeyPem), validityEndTime };
    }

    const saPlan = plan.keyPairs[0]!;
    const sa = privateKey(saPlan.id, saPlan.algorithm);
    this.serviceAccountPrivateKeyPem = pulumi.secret(sa.privateKeyPem);
    this.serviceAccountPublicKeyPem = sa.publicKeyPem;

    for (const kc of plan.kubeconfigs) {
      const client = this.certificates[kc.certificate]!;
      this.kubeconfigs[kc.id] = pulumi.secret(
        pulumi
          .all([this.certificates.ca!.certPem, client.certPem, client.privateKeyPem])
          .apply(([caCertificatePem, clientCertificatePem, clientKeyPem]) => renderKubeconfig(kc, { caCertificatePem, clientCertificatePem, clientKeyPem })),
      );
    }

    for (const file of plan.files) this.files[file.path] = this.writeFile(args.outDir, file, plan);

    if (args.applyRbac) {
      const adminConf = plan.kubeconfigs.find((k) => k.name === 'admin.conf')!;
      applyRbac(plan, this.kubeconfigs[adminConf.id]!, this, named);
    }

    this.registerOutputs({
      certificates: Object.fromEntries(Object.entries(this.certificates).map(([id, c]) => [id, { certPem: c.certPem, validityEndTime: c.validityEndTime }])),
    });
  }

  private writeFile(outDir: string, file: PlannedFile, plan: PkiPlan): local.File | local.SensitiveFile {
    const { kind, of } = file.content;
    const filename = path.join(outDir, file.path);
    const directoryPermission = file.path.split('/').includes('pki') || file.path.startsWith('users/') ? '0700' : '0755';
    const opts = { parent: this };
    switch (kind) {
      case 'certificate':
        return new local.File(this.childName(file.path), { filename, content: this.certificates[of]!.certPem, filePermission: '0644', directoryPermission }, opts);
      case 'public-key':
        return new local.File(this.childName(file.path), { filename, content: this.serviceAccountPublicKeyPem, filePermission: '0644', directoryPermission }, opts);
      case 'manifest':
        return new local.File(this.childName(file.path), { filename, content: renderRbacFile(plan.rbac.find((f) => f.path === of)!), filePermission: '0644', directoryPermission }, opts);
      case 'private-key': {
        const content = of === 'sa' ? this.serviceAccountPrivateKeyPem : this.certificates[of]!.privateKeyPem;
        return new local.SensitiveFile(this.childName(file.path), { filename, content, filePermission: '0600', directoryPermission }, opts);
      }
      case 'kubeconfig':
        return new local.SensitiveFile(this.childName(file.path), { filename, content: this.kubeconfigs[of]!, filePermission: '0600', directoryPermission }, opts);
    }
  }
}

/** The tls provider's subject: one CN and at most one O (several O go through MultiGroupCertificate). */
function subjectArgs(cert: CertificatePlan): { commonName: string; organization?: string } {
  const [organization] = cert.subject.organizations;
  return organization === undefined ? { commonName: cert.subject.commonName } : { commonName: cert.subject.commonName, organization };
}
