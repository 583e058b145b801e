// The specs of the scaling points: 3 control-plane nodes, `workers` workers, `users` users in 10 teams, 10 service
// accounts and 10 bindings per team (the shape issue 13 measured).
export function scaleSpec(users, workers, algorithm = 'ECDSA-P256') {
  const lines = [
    'apiVersion: kubepki.io/v1alpha1',
    'kind: Cluster',
    'metadata:',
    `  name: scale-u${users}-w${workers}`,
    'spec:',
    '  clusterName: scale',
    '  kubernetesVersion: v1.33.0',
    '  controlPlaneEndpoint: scale-api.example.internal:6443',
    '  pki:',
    `    encryptionAlgorithm: ${algorithm}`,
    '  controlPlane:',
  ];
  for (let i = 1; i <= 3; i++) lines.push(`    - {name: cp${i}, advertiseAddress: 10.0.0.${10 + i}}`);
  lines.push('  workers:');
  for (let i = 0; i < workers; i++)
    lines.push(`    - {name: w${i}, address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}}`);
  lines.push('  users:');
  for (let i = 0; i < users; i++)
    lines.push(`    - {name: user${i}, groups: [team${i % 10}], namespaces: [team${i % 10}]}`);
  lines.push('  serviceAccounts:');
  for (let t = 0; t < 10; t++) for (let s = 0; s < 10; s++) lines.push(`    - {name: sa${s}, namespace: team${t}}`);
  lines.push('  access:');
  for (let t = 0; t < 10; t++) {
    lines.push(`    - {subjects: [group:team${t}], clusterRole: edit, namespaces: [team${t}]}`);
    for (let s = 0; s < 9; s++)
      lines.push(
        `    - {subjects: [serviceAccount:team${t}/sa${s}], clusterRole: ${s % 2 ? 'view' : 'edit'}, namespaces: [team${t}]}`,
      );
  }
  lines.push('  expect:');
  for (let t = 0; t < 10; t++)
    lines.push(
      `    - {as: group:team${t}, can: [create deployments.apps], cannot: [create rolebindings.rbac.authorization.k8s.io], namespace: team${t}}`,
    );
  return `${lines.join('\n')}\n`;
}
