import * as path from 'node:path';
import type { KeyAlgorithm } from '../../src/vocabulary';
import type { ClusterSpec } from '../../src/spec';
import { stackSpec, type FixtureTree } from './fixture-trees';
import { sharedTree } from './shared-trees';

/** The conformance suite proves both key families kubeadm writes. */
export const conformanceAlgorithms: KeyAlgorithm[] = ['ECDSA-P256', 'RSA-2048'];

/**
 * The ha stack (three control-plane nodes, three workers, three users) with 127.0.0.1 in `apiServer.certSANs`, so
 * kubectl can verify a stand-in apiserver on 127.0.0.1 with the generated apiserver.crt. etcd needs no change:
 * kubeadm's rule B already puts 127.0.0.1 and localhost in every etcd server and peer certificate. Shared by the
 * conformance files of a run: never write into it or remove it.
 */
export function sharedConformanceTree(algorithm: KeyAlgorithm): Promise<FixtureTree> {
  return sharedTree('ha', algorithm, { name: 'loopback-apiserver', change: addLoopbackApiserverSan });
}

/** The spec `realizeConformanceTree` realizes, synchronously: tests derive their expectations from it. */
export function conformanceSpec(algorithm: KeyAlgorithm): ClusterSpec {
  return stackSpec('ha', algorithm, addLoopbackApiserverSan);
}

function addLoopbackApiserverSan(spec: ClusterSpec): void {
  spec.spec.apiServer.certSANs.push('127.0.0.1');
}

/** A second, unrelated cluster (the lab stack): its CAs must be trusted by nothing of the first. Shared, read-only. */
export function sharedForeignTree(algorithm: KeyAlgorithm): Promise<FixtureTree> {
  return sharedTree('lab', algorithm);
}

/** Path of a file under `<node>/pki/` of a tree. */
export function pkiPath(tree: FixtureTree, node: string, rel: string): string {
  return path.join(tree.dir, node, 'pki', rel);
}
