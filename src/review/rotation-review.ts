import {
  authoritiesOf,
  authorityTitles,
  generationName,
  isNextRotationStage,
  rotationOrderRefusal,
  type AuthorityPlan,
  type PkiPlan,
  type RotationStage,
} from '../plan';
import type { RotatableAuthority, RotationPhase } from '../spec';

/** One step of a rollout: what to do on one node, and what must hold before the next step starts. */
export interface RolloutStep {
  node: string;
  /** Files of the generated `<node>/` directory to copy to the node's /etc/kubernetes first. */
  files: string[];
  /** Each component that restarts, in order, with why (which flag reads which file only at start). */
  restart: { component: string; why: string }[];
  /** Done once before restarting, on this node (a flag to set, a leader to move). */
  before: string[];
  /** What to check before going on to the next node. */
  check: string[];
}

/** A rotation stage the change takes, with the rollout it needs. */
export interface RotationStageChange {
  authority: RotatableAuthority;
  /** `etcd CA`. */
  title: string;
  from: RotationStage;
  to: RotationStage;
  /** One sentence: what this stage does. */
  meaning: string;
  /** Ids the trust files hold after the stage (signer first) and the one that signs. */
  trusted: string[];
  signer: string;
  rollout: RolloutStep[];
  /** Kubeconfigs outside the nodes (users/) to hand out again once the nodes are done. */
  handOut: string[];
}

/** A stage change that is refused (skipped or backwards), with why and what to do. */
export interface RotationRefusal {
  authority: RotatableAuthority;
  message: string;
}

const meanings: Record<RotationPhase, (a: AuthorityPlan, title: string) => string> = {
  trust: (a, title) =>
    a.authority === 'serviceAccountKey'
      ? `a new ${title} (${a.next}) is created; kube-apiserver accepts tokens of both keys; tokens are still signed with ${a.previous}`
      : `a new ${title} (${generationName(a.commonName!, a.generation)}) is created and trusted beside the old one everywhere; nothing is reissued, ${a.previous} still signs`,
  issue: (a, title) =>
    a.authority === 'serviceAccountKey'
      ? `tokens are signed with the new ${title} ${a.signer}; tokens of ${a.previous} still verify`
      : `every certificate and kubeconfig of the ${title} is reissued by ${a.signer} (keys kept unless the algorithm changes); both stay trusted`,
  finish: (a, title) =>
    a.authority === 'serviceAccountKey'
      ? `the old public key leaves sa.pub: tokens it signed are rejected from now on`
      : `the old ${title} leaves every trust file; only ${a.signer} is trusted, certificates of the old one are rejected`,
};

function stateOf(a: AuthorityPlan | undefined): RotationStage {
  return a ? { generation: a.generation, phase: a.phase } : { generation: 1, phase: 'finish' };
}

/** The generated files of one node that belong to an authority's stage. */
function stageFiles(head: PkiPlan, changed: Set<string>, node: string): string[] {
  return head.files.filter((f) => f.path.startsWith(`${node}/`) && changed.has(f.path)).map((f) => f.path);
}

function rolloutFor(a: AuthorityPlan, head: PkiPlan, changed: Set<string>): RolloutStep[] {
  const controlPlanes = head.nodes.filter((n) => n.role === 'control-plane').map((n) => n.name);
  const workers = head.nodes.filter((n) => n.role === 'worker').map((n) => n.name);
  const steps: RolloutStep[] = [];
  const others = (node: string) => controlPlanes.filter((n) => n !== node);
  for (const node of controlPlanes) {
    const files = stageFiles(head, changed, node);
    if (a.authority === 'etcdCA') {
      steps.push({
        node,
        files,
        before:
          others(node).length > 0
            ? [
                `if ${node} is the etcd leader (etcdctl endpoint status --cluster), move leadership first: etcdctl move-leader <id of ${others(node)[0]}>`,
              ]
            : [],
        restart: [
          {
            component: 'etcd',
            why: '--trusted-ca-file, --peer-trusted-ca-file are read only at start; --cert-file/--peer-cert-file on each handshake',
          },
          { component: 'kube-apiserver', why: '--etcd-cafile, --etcd-certfile are read only at start' },
        ],
        check: [
          `etcdctl endpoint health --cluster: every member healthy (${controlPlanes.join(', ')})`,
          `etcdctl member list: ${node} started, peers connected (no "rejected connection" in any member's log)`,
          `kube-apiserver on ${node}: /readyz reports etcd ok`,
        ],
      });
    } else if (a.authority === 'clusterCA') {
      steps.push({
        node,
        files,
        before:
          a.phase === 'trust' && a.generation === 2
            ? [
                `point kube-controller-manager at the single signer: --cluster-signing-cert-file=/etc/kubernetes/pki/ca-signer.crt (kubeadm: controllerManager.extraArgs); it refuses a ca.crt holding two certificates`,
              ]
            : [],
        restart: [
          {
            component: 'kube-apiserver',
            why: '--client-ca-file, --kubelet-certificate-authority, --tls-cert-file and the kubelet client certificate',
          },
          {
            component: 'kube-controller-manager',
            why: '--root-ca-file (republished as kube-root-ca.crt), --client-ca-file, the signer and its kubeconfig',
          },
          { component: 'kube-scheduler', why: 'its kubeconfig (certificate-authority-data, client certificate)' },
          { component: 'kubelet', why: 'authentication.x509.clientCAFile and kubelet.conf' },
        ],
        check: [
          `kube-apiserver on ${node}: /readyz ok`,
          `kubectl get node ${node}: Ready`,
          'kubectl auth whoami with admin.conf of this node succeeds',
        ],
      });
    } else if (a.authority === 'frontProxyCA') {
      steps.push({
        node,
        files,
        before: [],
        restart: [
          {
            component: 'kube-apiserver',
            why: '--requestheader-client-ca-file and --proxy-client-cert-file are read at start',
          },
        ],
        check: [`kube-apiserver on ${node}: /readyz ok`, 'kubectl get apiservices: every aggregated API Available'],
      });
    } else {
      steps.push({
        node,
        files,
        before: [],
        restart: [
          {
            component: 'kube-apiserver',
            why: '--service-account-key-file (every key in sa.pub is accepted) and --service-account-signing-key-file',
          },
          { component: 'kube-controller-manager', why: '--service-account-private-key-file' },
        ],
        check: [
          `a token minted with kubepki token --pki ${node} is accepted by kube-apiserver on ${node} (kubectl auth whoami --token)`,
        ],
      });
    }
  }
  if (a.authority === 'clusterCA') {
    for (const node of workers) {
      steps.push({
        node,
        files: stageFiles(head, changed, node),
        before: [],
        restart: [{ component: 'kubelet', why: 'authentication.x509.clientCAFile (pki/ca.crt) and kubelet.conf' }],
        check: [`kubectl get node ${node}: Ready`, `kubectl logs on a pod of ${node} works (kube-apiserver → kubelet)`],
      });
    }
  }
  return steps.filter((s) => s.files.length > 0);
}

/**
 * The rotation stages a change takes and the rollout each needs, and the stage changes it must refuse (a skipped
 * stage, or going back). `changedFiles`: every path of the head plan whose content changes.
 */
export function diffRotations(
  base: PkiPlan,
  head: PkiPlan,
  changedFiles: Set<string>,
): { stages: RotationStageChange[]; refused: RotationRefusal[] } {
  const stages: RotationStageChange[] = [];
  const refused: RotationRefusal[] = [];
  const baseAuthorities = authoritiesOf(base);
  for (const a of authoritiesOf(head)) {
    const before = baseAuthorities.find((b) => b.authority === a.authority);
    if (!before && base.nodes.length === 0) continue; // a new cluster: nothing is rolled out yet
    const from = stateOf(before);
    const to = stateOf(a);
    if (from.generation === to.generation && from.phase === to.phase) continue;
    if (!isNextRotationStage(from, to)) {
      refused.push({ authority: a.authority, message: rotationOrderRefusal(a.authority, from, to) });
      continue;
    }
    const title = authorityTitles[a.authority];
    stages.push({
      authority: a.authority,
      title,
      from,
      to,
      meaning: meanings[a.phase](a, title),
      trusted: a.trusted,
      signer: a.signer,
      rollout: rolloutFor(a, head, changedFiles),
      handOut:
        a.authority === 'clusterCA'
          ? head.files.filter((f) => f.path.startsWith('users/') && changedFiles.has(f.path)).map((f) => f.path)
          : [],
    });
  }
  return { stages, refused };
}
