import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { bootstrapPolicyObjects } from '../../src/access/bootstrap-policy';
import clusterRoleBindings from '../../src/access/bootstrap/cluster-role-bindings.json';
import clusterRoles from '../../src/access/bootstrap/cluster-roles.json';
import namespaceRoleBindings from '../../src/access/bootstrap/namespace-role-bindings.json';
import namespaceRoles from '../../src/access/bootstrap/namespace-roles.json';

// The upstream YAML, vendored verbatim beside the JSON it was converted from.
const referenceDir = path.resolve(__dirname, '../../src/access/bootstrap/upstream');

describe('bootstrap policy JSON', () => {
  const files: [string, unknown][] = [
    ['cluster-roles', clusterRoles],
    ['cluster-role-bindings', clusterRoleBindings],
    ['namespace-roles', namespaceRoles],
    ['namespace-role-bindings', namespaceRoleBindings],
  ];

  it.each(files)('%s.json equals the upstream YAML parsed with js-yaml', (name, json) => {
    const parsed = yaml.load(fs.readFileSync(path.join(referenceDir, `${name}.yaml`), 'utf8'));
    expect(json).toEqual(parsed);
  });

  it('holds the default roles, bindings and namespaced objects', () => {
    const objects = bootstrapPolicyObjects();
    const names = (kind: string): string[] => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    expect(names('ClusterRole')).toEqual(
      expect.arrayContaining([
        'admin',
        'edit',
        'view',
        'cluster-admin',
        'system:kube-controller-manager',
        'system:kube-scheduler',
      ]),
    );
    expect(names('ClusterRoleBinding')).toEqual(
      expect.arrayContaining(['cluster-admin', 'system:basic-user', 'system:discovery', 'system:public-info-viewer']),
    );
    expect(names('Role')).toContain('extension-apiserver-authentication-reader');
    expect(names('RoleBinding')).toContain('system::leader-locking-kube-scheduler');
    expect(objects.every((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1')).toBe(true);
  });
});
