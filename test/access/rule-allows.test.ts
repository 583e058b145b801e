import { describe, expect, it } from 'vitest';
import { userIdentity, anonymousIdentity } from '../../src/access/authenticated-identity';
import { formatPolicyRule } from '../../src/access/format-policy-rule';
import { nonResourceURLMatches, resourceMatches, ruleAllows } from '../../src/access/rule-allows';

describe('rule matchers', () => {
  it('resourceMatches follows rbacv1helpers.ResourceMatches', () => {
    const rule = (resource: string) => ({ verbs: ['get'], resources: [resource] });
    expect(resourceMatches(rule('*'), 'pods/log', 'log')).toBe(true);
    expect(resourceMatches(rule('pods/log'), 'pods/log', 'log')).toBe(true);
    expect(resourceMatches(rule('*/log'), 'pods/log', 'log')).toBe(true);
    expect(resourceMatches(rule('pods'), 'pods/log', 'log')).toBe(false);
    expect(resourceMatches(rule('pods/*'), 'pods/log', 'log')).toBe(false);
    expect(resourceMatches(rule('*/log'), 'pods', '')).toBe(false);
    expect(resourceMatches(rule('*/xlog'), 'pods/log', 'log')).toBe(false);
  });

  it('nonResourceURLMatches trims every trailing * of a prefix rule', () => {
    const rule = (url: string) => ({ verbs: ['get'], nonResourceURLs: [url] });
    expect(nonResourceURLMatches(rule('*'), '/anything')).toBe(true);
    expect(nonResourceURLMatches(rule('/api*'), '/apis/apps')).toBe(true);
    expect(nonResourceURLMatches(rule('/api/**'), '/api/v1')).toBe(true);
    expect(nonResourceURLMatches(rule('/api/'), '/api/v1')).toBe(false);
  });

  it('a resource rule never allows a non-resource request and vice versa', () => {
    const resourceRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
    const urlRule = { verbs: ['*'], nonResourceURLs: ['*'] };
    expect(ruleAllows({ verb: 'get', nonResourceURL: '/healthz' }, resourceRule)).toBe(false);
    expect(ruleAllows({ verb: 'get', apiGroup: '', resource: 'pods' }, urlRule)).toBe(false);
    expect(ruleAllows({ verb: 'get', apiGroup: '', resource: 'pods' }, resourceRule)).toBe(true);
  });

  it('formats rules compactly', () => {
    expect(
      formatPolicyRule({ apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'], verbs: ['get', 'list'] }),
    ).toBe('{verbs:[get, list], apiGroups:[""], resources:[configmaps], resourceNames:[x]}');
    expect(formatPolicyRule({ nonResourceURLs: ['/healthz'], verbs: ['get'] })).toBe(
      '{verbs:[get], nonResourceURLs:[/healthz]}',
    );
  });
});

describe('identities', () => {
  it('userIdentity adds system:authenticated once, but not to an unauthenticated request', () => {
    expect(userIdentity('alice', ['dev', 'dev'])).toEqual({ user: 'alice', groups: ['dev', 'system:authenticated'] });
    expect(userIdentity('alice', ['system:authenticated', 'dev'])).toEqual({
      user: 'alice',
      groups: ['system:authenticated', 'dev'],
    });
    expect(anonymousIdentity()).toEqual({ user: 'system:anonymous', groups: ['system:unauthenticated'] });
    expect(userIdentity('system:anonymous', ['system:unauthenticated']).groups).toEqual(['system:unauthenticated']);
  });
});
