import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as tls from '@pulumi/tls';
import {
  authoritiesOf,
  certificateContent,
  authorityRows,
  generationName,
  renewBeforeHours,
  type CertificatePlan,
  type PkiPlan,
  type PlannedFile,
  type RotationStage,
} from '../../plan';
import type { RotatableAuthority } from '../../spec';
import { clusterTrustBundle, renderPlannedFile, type PkiMaterial } from '../../outputs';
import { publicKeyPins } from '../../crypto';
import { locateAuthorities, treeRotationStages } from '../../compare';
import { BootstrapToken, checkBootstrapToken } from './bootstrap-token';
import { allowedUsesOf, subjectArgs, tlsPrivateKeyArgs } from './tls-provider-mapping';
import { everyCaInput, retiringCaInputs, retiringKeyInputs, treeReader } from './retiring-generations';
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
  /** The signing sa key (secret) and its public half. */
  readonly serviceAccountPrivateKeyPem: pulumi.Output<string>;
  readonly serviceAccountPublicKeyPem: pulumi.Output<string>;
  /** Secret: the bootstrap token the kubeadm configurations carry (absent when the plan has no kubeadm configuration). */
  readonly bootstrapToken?: pulumi.Output<string>;
  readonly files: Record<string, PkiFile> = {};
  private readonly childName: (id: string) => string;
  private readonly protectAuthorities: boolean;
  /** Every private key by certificate or key-pair id (secret), and the sa keys' public halves. */
  private readonly privateKeys: Record<string, pulumi.Output<string>> = {};
  private readonly publicKeys: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: KubePkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('kubepki:index:KubePki', name, {}, opts);
    const { plan } = args;
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
      throw new Error(
        `spec.pki.caParents: pulumi up does not realize intermediate CAs under an offline root yet (${intermediates.map((c) => c.id).join(', ')}); use \`kubepki generate\``,
      );
    }
    this.protectAuthorities = args.protectAuthorities ?? true;
    // Absolute: the file provider runs in Pulumi's dynamic-provider host, not in the program's working directory.
    const outDir = path.resolve(args.outDir);
    // The tree the previous `pulumi up` wrote tells the rotation stage it is at, as it tells `kubepki generate`.
    const read = treeReader(outDir);
    const located = locateAuthorities(plan, read);
    if (located.problems.length > 0) {
      throw new pulumi.RunError(
        `kubepki refuses this rotation stage, nothing was changed:\n${located.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
      );
    }
    if (this.protectAuthorities) {
      const refusals = authorityChanges(plan, located);
      if (refusals.length > 0)
        throw new pulumi.RunError(`kubepki refuses to replace an authority:\n${refusals.join('\n')}`);
    }
    const child = { parent: this };
    // Pulumi refuses to replace or delete a protected resource; the refusal above says it first, in kubepki's words.
    // The generation a rotation is replacing is taken as the stack holds it (its algorithm or lifetime may be what
    // the rotation changes), so the inputs that would replace it are ignored.
    const authority = (retiring: boolean | undefined, ignored: string[]): pulumi.CustomResourceOptions => ({
      parent: this,
      protect: this.protectAuthorities,
      ...(retiring ? { ignoreChanges: ignored } : {}),
    });
    // A child's URN holds its parent's type but not its name: prefixing the component's name keeps two KubePki
    // instances in one program apart. The rest of each name is a plan id or file path, so adding a node or a user
    // never renames another resource, and each authority generation (`ca`, `ca-2`) is a resource of its own.
    const named = (id: string) => `${name}/${id}`;
    this.childName = named;

    const privateKey = (
      id: string,
      algorithm: CertificatePlan['algorithm'],
      opts: pulumi.CustomResourceOptions = child,
    ) => {
      const key = new tls.PrivateKey(named(id), tlsPrivateKeyArgs[algorithm], opts);
      this.privateKeys[id] = pulumi.secret(key.privateKeyPem);
      return key;
    };
    const selfSignedCert = (ca: CertificatePlan, key: tls.PrivateKey, opts: pulumi.CustomResourceOptions) =>
      new tls.SelfSignedCert(
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
        opts,
      );

    for (const ca of plan.certificates.filter((c) => c.isCa)) {
      const key = privateKey(ca.id, ca.algorithm, authority(ca.retiring, retiringKeyInputs));
      const cert = selfSignedCert(ca, key, authority(ca.retiring, retiringCaInputs));
      this.certificates[ca.id] = {
        certPem: cert.certPem,
        privateKeyPem: this.privateKeys[ca.id]!,
        validityEndTime: cert.validityEndTime,
      };
    }
    this.releaseFinishedGenerations(plan, treeRotationStages(plan, read), privateKey, selfSignedCert);

    for (const leaf of plan.certificates.filter((c) => !c.isCa)) {
      const ca = this.certificates[leaf.issuer]!;
      // During trust nothing is reissued: a new algorithm reaches a leaf when the issue stage reissues it.
      const deferred = plan.certificates.find((c) => c.id === leaf.issuer)?.retiring === true;
      const key = privateKey(
        leaf.id,
        leaf.algorithm,
        deferred ? { ...child, ignoreChanges: retiringKeyInputs } : child,
      );
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
          {
            privateKeyPem: key.privateKeyPem,
            subject: subjectArgs(leaf),
            dnsNames: leaf.sans.dnsNames,
            ipAddresses: leaf.sans.ipAddresses,
          },
          child,
        );
        // The issue stage signs with the new generation: new caCertPem / caPrivateKeyPem replace the certificate,
        // while the key and the request stay.
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
          deferred ? { ...child, ignoreChanges: ['allowedUses'] } : child,
        );
        certPem = cert.certPem;
        validityEndTime = cert.validityEndTime;
      }
      this.certificates[leaf.id] = { certPem, privateKeyPem: this.privateKeys[leaf.id]!, validityEndTime };
    }

    // Every sa key the stage holds (the signer first): the old one's public half stays accepted until finish.
    for (const pair of plan.keyPairs) {
      const key = privateKey(pair.id, pair.algorithm, authority(pair.retiring, retiringKeyInputs));
      this.publicKeys[pair.id] = key.publicKeyPem;
    }
    const signer = plan.keyPairs[0]!.id;
    this.serviceAccountPrivateKeyPem = this.privateKeys[signer]!;
    this.serviceAccountPublicKeyPem = this.publicKeys[signer]!;

    if (plan.kubeadm) {
      const supplied =
        args.bootstrapToken === undefined ? undefined : pulumi.output(args.bootstrapToken).apply(checkBootstrapToken);
      this.bootstrapToken = pulumi.secret(supplied ?? new BootstrapToken(named('bootstrap-token'), child).token);
    }

    const clusterTrusted = authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!.trusted;
    for (const kc of plan.kubeconfigs) {
      const file: PlannedFile = { path: '', mode: 0o600, content: { kind: 'kubeconfig', of: kc.id } };
      this.kubeconfigs[kc.id] = pulumi.secret(
        this.rendered(plan, file, { certificates: [...clusterTrusted, kc.certificate], privateKeys: [kc.certificate] }),
      );
    }

    // Known once the authorities exist (in an up, or a preview of a stack that has them): every file refuses to be
    // written into a tree of another PKI, so none of it is overwritten.
    const held = [
      ...plan.certificates.filter((c) => c.isCa).map((c) => this.certificates[c.id]!.certPem),
      ...Object.values(this.publicKeys),
    ];
    const refusal = this.protectAuthorities
      ? pulumi.all(held).apply((pems) => {
          const foreign = foreignAuthorities(plan, outDir, pems);
          return foreign.length === 0
            ? ''
            : `${outDir} holds another PKI's authorities (${foreign.join(', ')}): kubepki writes no file over them. Point kubepki:outDir at a new directory, or move that tree away`;
        })
      : pulumi.output('');
    for (const file of plan.files) this.files[file.path] = this.writeFile(outDir, file, plan, refusal, clusterTrusted);

    if (args.applyRbac) {
      const adminConf = plan.kubeconfigs.find((k) => k.name === 'admin.conf')!;
      applyRbac(plan, this.kubeconfigs[adminConf.id]!, this, named);
    }

    this.registerOutputs({
      certificates: Object.fromEntries(
        Object.entries(this.certificates).map(([id, c]) => [
          id,
          { certPem: c.certPem, validityEndTime: c.validityEndTime },
        ]),
      ),
    });
  }

  /**
   * The finish stage releases the generation it retires: Pulumi deletes a protected resource only after an update
   * has recorded `protect: false` for it (DeleteStep refuses `old.Protect`, which a program that no longer registers
   * the resource cannot change), so the first `pulumi up` at finish registers the old generation once more, exactly
   * as the state holds it (every input ignored) and unprotected, while it writes the trust files without it. The next
   * `pulumi up` finds no file of the tree that trusts it any more and registers it no longer, so Pulumi deletes it.
   */
  private releaseFinishedGenerations(
    plan: PkiPlan,
    treeStages: Map<RotatableAuthority, RotationStage>,
    privateKey: (
      id: string,
      algorithm: CertificatePlan['algorithm'],
      opts: pulumi.CustomResourceOptions,
    ) => tls.PrivateKey,
    selfSignedCert: (
      ca: CertificatePlan,
      key: tls.PrivateKey,
      opts: pulumi.CustomResourceOptions,
    ) => tls.SelfSignedCert,
  ): void {
    for (const a of authoritiesOf(plan)) {
      const tree = treeStages.get(a.authority);
      if (a.phase !== 'finish' || a.generation < 2 || tree?.generation !== a.generation || tree.phase !== 'issue')
        continue;
      const released = generationName(authorityRows.find((r) => r.authority === a.authority)!.id, a.generation - 1);
      const release = (inputs: string[]): pulumi.CustomResourceOptions => ({
        parent: this,
        protect: false,
        ignoreChanges: inputs,
      });
      if (a.authority === 'serviceAccountKey') {
        privateKey(released, plan.keyPairs[0]!.algorithm, release(retiringKeyInputs));
        continue;
      }
      const signer = plan.certificates.find((c) => c.id === a.signer)!;
      const key = privateKey(released, signer.algorithm, release(retiringKeyInputs));
      selfSignedCert({ ...signer, id: released }, key, release(everyCaInput));
    }
  }

  /**
   * A file's content, rendered by `kubepki generate`'s renderer from the material it needs, gathered from the
   * resources' outputs. (Pulumi resolves an Output's value deeply into plain data, so the Maps are built inside.)
   */
  private rendered(
    plan: PkiPlan,
    file: PlannedFile,
    need: { certificates?: string[]; privateKeys?: string[]; publicKeys?: string[]; token?: boolean },
    extra: (material: PkiMaterial) => Partial<PkiMaterial> = () => ({}),
  ): pulumi.Output<string> {
    const pick = (ids: string[] | undefined, from: (id: string) => pulumi.Output<string>) =>
      pulumi.all((ids ?? []).map(from));
    const entries = (ids: string[] | undefined, pems: string[]) => new Map((ids ?? []).map((id, i) => [id, pems[i]!]));
    return pulumi
      .all([
        pick(need.certificates, (id) => this.certificates[id]!.certPem),
        pick(need.privateKeys, (id) => this.privateKeys[id]!),
        pick(need.publicKeys, (id) => this.publicKeys[id]!),
        need.token ? this.bootstrapToken! : pulumi.output(''),
      ])
      .apply(([certificates, privateKeys, publicKeys, bootstrapToken]) => {
        const material: PkiMaterial = {
          certificates: entries(need.certificates, certificates),
          privateKeys: entries(need.privateKeys, privateKeys),
          publicKeys: entries(need.publicKeys, publicKeys),
          ...(need.token ? { bootstrapToken } : {}),
        };
        return renderPlannedFile(plan, file, { ...material, ...extra(material) });
      });
  }

  private writeFile(
    outDir: string,
    file: PlannedFile,
    plan: PkiPlan,
    refusal: pulumi.Output<string>,
    clusterTrusted: string[],
  ): PkiFile {
    const { kind, of } = file.content;
    const ids = kind === 'certificate' || kind === 'public-key' ? [of, ...(file.content.bundle ?? [])] : [of];
    const content = {
      certificate: () => this.rendered(plan, file, { certificates: ids }),
      'public-key': () => this.rendered(plan, file, { publicKeys: ids }),
      manifest: () => this.rendered(plan, file, {}),
      'private-key': () => this.privateKeys[of]!,
      kubeconfig: () => this.kubeconfigs[of]!,
      'csr-manifest': (): never => {
        throw new Error(`internal: ${file.path} belongs to a user CSR, refused above`);
      },
      'certification-request': (): never => {
        throw new Error(`internal: ${file.path} belongs to an intermediate CA, refused above`);
      },
      'bootstrap-token': () => pulumi.interpolate`${this.bootstrapToken!}\n`,
      // Pins every CA of the cluster's trust bundle, as generate does (both generations during a rotation).
      'kubeadm-config': () =>
        this.rendered(plan, file, { certificates: clusterTrusted, token: true }, (m) => ({
          caCertHashes: publicKeyPins(clusterTrustBundle(plan, m)),
        })),
    }[kind]();
    const directories = file.path
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    const directoryModes = Object.fromEntries(
      directories.map((d) => [d, d.split('/').includes('pki') || d === 'users' ? 0o700 : 0o755]),
    );
    const ofAuthority =
      (kind === 'certificate' || kind === 'private-key' || kind === 'public-key') &&
      (plan.keyPairs.some((k) => k.id === of) || plan.certificates.some((c) => c.id === of && c.isCa));
    // A control-plane node's authority files stay on disk when their resources go (pulumi destroy --exclude-protected,
    // the node removed); a worker holds only the public ca.crt, which goes with it. The files in which a rotation's
    // new generation waits during trust (`ca-2.crt`, `sa-2.key`) go at issue, when ca.crt / sa.key hold it: the tree
    // is then what `kubepki generate --prune` leaves.
    const onWorker = plan.nodes.some((n) => n.role === 'worker' && file.path.startsWith(`${n.name}/`));
    const waiting = authoritiesOf(plan).some((a) => a.next === of);
    const retainOnDelete = this.protectAuthorities && ofAuthority && !onWorker && !waiting;
    return new PkiFile(
      this.childName(file.path),
      { root: outDir, path: file.path, content, mode: file.mode, directoryModes, keepExisting: ofAuthority, refusal },
      { parent: this, retainOnDelete },
    );
  }
}
