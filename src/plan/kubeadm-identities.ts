import { kubernetesMinor } from '../spec';

// Subjects that changed with kubeadm versions. From 1.29 kubeadm stopped putting system:masters (unrevocable) into
// admin.conf and the apiserver's client certificates, bound a revocable group instead, and added super-admin.conf.

export const clusterAdminsGroup = 'kubeadm:cluster-admins';
export const mastersGroup = 'system:masters';
export const nodesGroup = 'system:nodes';

export interface KubeadmIdentities {
  /** O of admin.conf and apiserver-kubelet-client. */
  adminGroup: string;
  /** O of apiserver-etcd-client and etcd/healthcheck-client (none from 1.29). */
  etcdClientGroups: string[];
  /** Whether kubeadm writes super-admin.conf (1.29+). */
  hasSuperAdmin: boolean;
  /** Whether a control-plane node's kubelet.conf points at its local apiserver (1.33+, ControlPlaneKubeletLocalMode). */
  controlPlaneKubeletUsesLocalEndpoint: boolean;
}

export function kubeadmIdentities(kubernetesVersion: string): KubeadmIdentities {
  const minor = kubernetesMinor(kubernetesVersion);
  return {
    adminGroup: minor >= 29 ? clusterAdminsGroup : mastersGroup,
    etcdClientGroups: minor >= 29 ? [] : [mastersGroup],
    hasSuperAdmin: minor >= 29,
    controlPlaneKubeletUsesLocalEndpoint: minor >= 33,
  };
}
