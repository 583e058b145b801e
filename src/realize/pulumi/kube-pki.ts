import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as tls from '@pulumi/tls';
import { certificateContent, renewBeforeHours, type CertificatePlan, type PkiPlan, type PlannedFile } from '../../plan';
import { renderKubeadmConfig, renderKubeconfig, renderRbacFile } from '../../outputs';
import { bootstrapTokenPattern, publicKeyPins } from '../../crypto';
import { BootstrapToken } from './bootstrap-token';
import { allowedUsesOf, tlsPrivateKeyArgs } from './tls-provider-mapping';
import { MultiGroupCertificate } from './multi-group-certificate';
import { applyRbac } from './apply-rbac';
import { PkiFile } from './pki-file';
import { authorityChanges, foreignAuthorities } from './authority-changes';

export interface KubePkiArgs {
  /** The plan (`planPki(spec)`); resource names come from its ids. */
  plan: PkiPlan;
  /** Directory that receives the same tree as `kubepki generate --out`. */
  outDir: string;
  /** Apply the RBAC manifests to the cluster through admin.conf. @default false */
  applyRbac?: boolean;
  /**
   * Protect the authorities — the CA keys and certificates and the sa key — from replacement and `pulumi destroy`,
   * and keep their files on disk when their resources are deleted. Turn off only for a lab cluster you rebuild.
   * @default true
   */
  protectAuthorities?: boolean;
  /**
   * The kubeadm bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`, e.g. stack config `kubepki:bootstrapToken`, a secret).
   * @default a random one, created once and kept in the stack's state as a secret
   */
  bootstrapToken?: pulumi.Input<string>;
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
 * tls.CertRequest + tls.LocallySignedCert for leaves (a MultiGroupCertificate for subjects with several O), one
 * PkiFile per file, and optionally the RBAC objects through @pulumi/kubernetes. Private keys and kubeconfigs stay
 * Pulumi secrets. Throws a RunError, before any resource is registered, when the plan would replace an authority
 * of the tree already in outDir (unless protectAuthorities is false).
 */
export class KubePki extends pulumi.ComponentResource {
  readonly certificates: Record<string, IssuedCertificate> = {};
  /** Secret kubeconfig text by kubeconfig id. */
  readonly kubeconfigs: Record<string, pulumi.Output<string>> = {};
  readonly serviceAccountPrivateKeyPem: pulumi.Output<string>;
  readonly serviceAccountPublicKeyPem: pulumi.Output<string>;
  /** Secret: the bootstrap token the kubeadm configurations carry (absent when the plan has no kubeadm configuration). */
  readonly bootstrapToken?: pulumi.Output<string>;
  readonly files: Record<string, PkiFile> = {};
  private readonly childName: (id: string) => string;
  private readonly protectAuthorities: boolean;

  constructor(name: string, args: KubePkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('kubepki:index:KubePki', name, {}, opts);
    const { plan } = args;
    // Staged rotation is realized by `kubepki generate` only so far: refuse rather than write single-CA trust files.
    if (plan.authorities) {
      throw new Error('spec.pki.rotation: pulumi up does not realize CA or sa-key rotations yet; take the rotation stages with `kubepki generate`');
    }
    // @pulumi/tls can only sign with a key in the stack; keys held by users, outside CAs, cfssl or an HSM go through
    // `kubepki generate`. Refused here rather than silently replaced by keys the spec says kubepki must not hold.
    const elsewhere = plan.certificates.filter((c) => c.keyHolder !== 'kubepki');
    if (elsewhere.length > 0) {
      throw new Error(
        `the Pulumi program issues only keys kubepki holds; ${elsewhere.map((c) => `${c.id} (key held by ${c.keyHolder})`).join(', ')}: use \`kubepki generate\` for this spec`,
      );
    }
    // The offline root signs an intermediate between two runs (a CSR out, a certificate back): a step a single
    // `pulumi up` cannot wait for.
    const intermediates = plan.certificates.filter((c) => c.parent !== undefined);
    if (intermediates.length > 0) {
      throw new Error(`spec.pki.caParents: pulumi up does not realize intermediate CAs under an offline root yet (${intermediates.map((c) => c.id).join(', ')}); use \`kubepki generate\``);
    }
    this.protectAuthorities = args.protectAuthorities ?? true;
    if (this.protectAuthorities) {
      const refusals = authorityChanges(plan, args.outDir);
      if (refusals.length > 0) throw new pulumi.RunError(`kubepki refuses to replace an authority:\n${refusals.join('\n')}`);
    }
    const child = { parent: this };
    // Pulumi refuses to replace or delete a protected resource; the refusal above says it first, in kubepki's words.
    const authority = { parent: this, protect: this.protectAuthorities };
    // A child's URN holds its parent's type but not its name: prefixing the component's name keeps two KubePki
    // instances in one program apart. The rest of each name is a plan id or file path, so adding a node or a user
    // never renames another resource.
    const named = (id: string) => `${name}/${id}`;
    this.childName = named;

    const privateKey = (id: string, algorithm: CertificatePlan['algorithm'], opts: pulumi.CustomResourceOptions = child) => new tls.PrivateKey(named(id), tlsPrivateKeyArgs[algorithm], opts);

    for (const ca of plan.certificates.filter((c) => c.isCa)) {
      const key = privateKey(ca.id, ca.algorithm, authority);
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
        authority,
      );
      this.certificates[ca.id] = { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem), validityEndTime: cert.validityEndTime };
    }

    for (const leaf of plan.certificates.filter((c) => !c.isCa)) {
      const ca = this.certificates[leaf.issuer]!;
      const key = privateKey(leaf.id, leaf.algorithm);
      const earlyRenewalHours = renewBeforeHours(plan, leaf);
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
    const sa = privateKey(saPlan.id, saPlan.algorithm, authority);
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

    if (plan.kubeadm) {
      const supplied = args.bootstrapToken === undefined ? undefined : pulumi.output(args.bootstrapToken).apply(checkBootstrapToken);
      this.bootstrapToken = pulumi.secret(supplied ?? new BootstrapToken(named('bootstrap-token'), child).token);
    }

    // Absolute: the file provider runs in Pulumi's dynamic-provider host, not in the program's working directory.
    const outDir = path.resolve(args.outDir);
    // Known once the authorities exist (in an up, or a preview of a stack that has them): every file refuses to be
    // written into a tree of another PKI, so none of it is overwritten.
    const held = { ...Object.fromEntries(plan.certificates.filter((c) => c.isCa).map((c) => [c.id, this.certificates[c.id]!.certPem])), sa: this.serviceAccountPublicKeyPem };
    const refusal = this.protectAuthorities
      ? pulumi.all(held).apply((pems) => {
          const foreign = foreignAuthorities(plan, outDir, pems);
          return foreign.length === 0 ? '' : `${outDir} holds another PKI's authorities (${foreign.join(', ')}): kubepki writes no file over them. Point kubepki:outDir at a new directory, or move that tree away`;
        })
      : pulumi.output('');
    for (const file of plan.files) this.files[file.path] = this.writeFile(outDir, file, plan, refusal);

    if (args.applyRbac) {
      const adminConf = plan.kubeconfigs.find((k) => k.name === 'admin.conf')!;
      applyRbac(plan, this.kubeconfigs[adminConf.id]!, this, named);
    }

    this.registerOutputs({
      certificates: Object.fromEntries(Object.entries(this.certificates).map(([id, c]) => [id, { certPem: c.certPem, validityEndTime: c.validityEndTime }])),
    });
  }

  private writeFile(outDir: string, file: PlannedFile, plan: PkiPlan, refusal: pulumi.Output<string>): PkiFile {
    const { kind, of } = file.content;
    const content = {
      certificate: () => this.certificates[of]!.certPem,
      'public-key': () => this.serviceAccountPublicKeyPem,
      manifest: () => pulumi.output(renderRbacFile(plan.rbac.find((f) => f.path === of)!)),
      'private-key': () => (of === 'sa' ? this.serviceAccountPrivateKeyPem : this.certificates[of]!.privateKeyPem),
      kubeconfig: () => this.kubeconfigs[of]!,
      'csr-manifest': (): never => {
        throw new Error(`internal: ${file.path} belongs to a user CSR, refused above`);
      },
      'certification-request': (): never => {
        throw new Error(`internal: ${file.path} belongs to an intermediate CA, refused above`);
      },
      'bootstrap-token': () => pulumi.interpolate`${this.bootstrapToken!}\n`,
      'kubeadm-config': () => {
        const config = plan.kubeadm!;
        const node = config.nodes.find((n) => n.node === of)!;
        return pulumi
          .all([this.bootstrapToken!, this.certificates.ca!.certPem])
          .apply(([bootstrapToken, caCertPem]) => renderKubeadmConfig(config, node, { bootstrapToken, caCertHashes: publicKeyPins(caCertPem) }));
      },
    }[kind]();
    const directories = file.path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    const directoryModes = Object.fromEntries(directories.map((d) => [d, d.split('/').includes('pki') || d === 'users' ? 0o700 : 0o755]));
    const ofAuthority = (kind === 'certificate' || kind === 'private-key' || kind === 'public-key') && (of === 'sa' || plan.certificates.some((c) => c.id === of && c.isCa));
    // A control-plane node's authority files stay on disk when their resources go (pulumi destroy --exclude-protected,
    // the node removed); a worker holds only the public ca.crt, which goes with it.
    const onWorker = plan.nodes.some((n) => n.role === 'worker' && file.path.startsWith(`${n.name}/`));
    const retainOnDelete = this.protectAuthorities && ofAuthority && !onWorker;
    return new PkiFile(
      this.childName(file.path),
      { root: outDir, path: file.path, content, mode: file.mode, directoryModes, keepExisting: ofAuthority, refusal },
      { parent: this, retainOnDelete },
    );
  }
}

/** A supplied token must be kubeadm's format; the error names the setting, never the value. */
function checkBootstrapToken(token: string): string {
  if (!bootstrapTokenPattern.test(token)) {
    throw new pulumi.RunError('kubepki:bootstrapToken is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}): set one from `kubeadm token generate`, or unset it to have one created');
  }
  return token;
}

/** The tls provider's subject: one CN and at most one O (several O go through MultiGroupCertificate). */
function subjectArgs(cert: CertificatePlan): { commonName: string; organization?: string } {
  const [organization] = cert.subject.organizations;
  return organization === undefined ? { commonName: cert.subject.commonName } : { commonName: cert.subject.commonName, organization };
}
