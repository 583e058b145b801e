import { describe, expect, it } from 'vitest';
import { isNonResourceRequest, parseAccessRequest } from '../../src/access/access-request';
import { describeAccessRequest } from '../../src/access/describe-access-request';

describe('parseAccessRequest', () => {
  it('parses a core resource, with namespace and name', () => {
    expect(parseAccessRequest('list', 'pods')).toEqual({ verb: 'list', apiGroup: '', resource: 'pods' });
    expect(parseAccessRequest('get', 'pods', { namespace: 'a', name: 'web-0' })).toEqual({
      verb: 'get',
      apiGroup: '',
      resource: 'pods',
      name: 'web-0',
      namespace: 'a',
    });
  });

  it('parses resource/subresource', () => {
    expect(parseAccessRequest('get', 'pods/log', { namespace: 'a' })).toEqual({
      verb: 'get',
      apiGroup: '',
      resource: 'pods',
      subresource: 'log',
      namespace: 'a',
    });
    expect(parseAccessRequest('get', 'pods', { subresource: 'exec' })).toEqual({
      verb: 'get',
      apiGroup: '',
      resource: 'pods',
      subresource: 'exec',
    });
  });

  it('parses resource.group, resource.version.group and group/subresource', () => {
    expect(parseAccessRequest('create', 'deployments.apps')).toEqual({
      verb: 'create',
      apiGroup: 'apps',
      resource: 'deployments',
    });
    expect(parseAccessRequest('create', 'rolebindings.rbac.authorization.k8s.io')).toEqual({
      verb: 'create',
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'rolebindings',
    });
    expect(parseAccessRequest('get', 'deployments.v1.apps')).toEqual({
      verb: 'get',
      apiGroup: 'apps',
      resource: 'deployments',
    });
    expect(parseAccessRequest('get', 'widgets.v1beta2.example.com')).toEqual({
      verb: 'get',
      apiGroup: 'example.com',
      resource: 'widgets',
    });
    expect(parseAccessRequest('update', 'Deployments.Apps/Scale')).toEqual({
      verb: 'update',
      apiGroup: 'apps',
      resource: 'deployments',
      subresource: 'scale',
    });
  });

  it('parses * as kubectl sends it (core group) and *.* as every group', () => {
    expect(parseAccessRequest('*', '*')).toEqual({ verb: '*', apiGroup: '', resource: '*' });
    expect(parseAccessRequest('*', '*.*')).toEqual({ verb: '*', apiGroup: '*', resource: '*' });
  });

  it('parses non-resource URLs, ignoring the namespace', () => {
    expect(parseAccessRequest('get', '/healthz')).toEqual({ verb: 'get', nonResourceURL: '/healthz' });
    expect(parseAccessRequest('get', '/logs/*', { namespace: 'a' })).toEqual({
      verb: 'get',
      nonResourceURL: '/logs/*',
    });
    expect(isNonResourceRequest(parseAccessRequest('post', '/api'))).toBe(true);
    expect(isNonResourceRequest(parseAccessRequest('get', 'pods'))).toBe(false);
  });

  it('rejects empty or unknown verbs and malformed targets with a clear message', () => {
    expect(() => parseAccessRequest('', 'pods')).toThrow(/verb is empty/);
    expect(() => parseAccessRequest('gte', 'pods')).toThrow(/unknown resource verb "gte"/);
    expect(() => parseAccessRequest('list', '/healthz')).toThrow(/unknown non-resource URL verb "list"/);
    expect(() => parseAccessRequest('get', '')).toThrow(/target .* is empty/);
    expect(() => parseAccessRequest('get', 'pods/')).toThrow(/TYPE\/SUBRESOURCE/);
    expect(() => parseAccessRequest('get', 'a/b/c')).toThrow(/TYPE\/SUBRESOURCE/);
    expect(() => parseAccessRequest('get', '.apps')).toThrow(/RESOURCE.GROUP/);
    expect(() => parseAccessRequest('get', 'pods/log', { subresource: 'exec' })).toThrow(/subresource given twice/);
    expect(() => parseAccessRequest('get', '/healthz', { name: 'x' })).toThrow(/no object name/);
  });

  it('describes requests in words', () => {
    expect(describeAccessRequest(parseAccessRequest('get', 'pods/log', { namespace: 'a', name: 'web-0' }))).toBe(
      'get pods/log "web-0" in namespace "a"',
    );
    expect(describeAccessRequest(parseAccessRequest('list', 'deployments.apps'))).toBe(
      'list deployments.apps cluster-wide',
    );
    expect(describeAccessRequest(parseAccessRequest('get', '/healthz'))).toBe('get /healthz');
  });
});
