import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { repoRoot } from './fixture-trees';

// A kube-apiserver stand-in for kubectl's discovery and SelfSubjectAccessReviews: it serves the upstream discovery
// documents of one Kubernetes minor, those kubepki's table of that minor is generated from (legacy format: /api,
// /api/v1, /apis, /apis/<group>/<version>), and records the resource attributes of every access review kubectl posts,
// answering "allowed".

interface AggregatedList {
  items: { metadata: { name: string }; versions: { version: string; resources: AggregatedResource[] }[] }[];
}
interface AggregatedResource {
  resource: string;
  responseKind: { kind: string };
  scope: string;
  singularResource: string;
  shortNames?: string[];
  verbs: string[];
  subresources?: { subresource: string; verbs: string[]; responseKind: { kind: string } }[];
}

const upstream = path.join(repoRoot, 'src', 'access', 'discovery', 'upstream');

/** The routes of a discovery server, built from the committed upstream documents of `minor` (`1.33`). */
function discoveryRoutes(minor: string): Map<string, unknown> {
  const core = JSON.parse(fs.readFileSync(path.join(upstream, minor, 'api__v1.json'), 'utf8'));
  const groups = JSON.parse(
    fs.readFileSync(path.join(upstream, minor, 'aggregated_v2.json'), 'utf8'),
  ) as AggregatedList;
  const routes = new Map<string, unknown>();
  routes.set('/api', {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  });
  routes.set('/api/v1', core);
  routes.set('/apis', {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.items.map((g) => ({
      name: g.metadata.name,
      versions: g.versions.map((v) => ({ groupVersion: `${g.metadata.name}/${v.version}`, version: v.version })),
      preferredVersion: {
        groupVersion: `${g.metadata.name}/${g.versions[0]!.version}`,
        version: g.versions[0]!.version,
      },
    })),
  });
  for (const g of groups.items) {
    for (const v of g.versions) {
      routes.set(`/apis/${g.metadata.name}/${v.version}`, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${g.metadata.name}/${v.version}`,
        resources: v.resources.flatMap((r) => [
          {
            name: r.resource,
            singularName: r.singularResource,
            namespaced: r.scope === 'Namespaced',
            kind: r.responseKind.kind,
            verbs: r.verbs,
            ...(r.shortNames ? { shortNames: r.shortNames } : {}),
          },
          ...(r.subresources ?? []).map((s) => ({
            name: `${r.resource}/${s.subresource}`,
            singularName: '',
            namespaced: r.scope === 'Namespaced',
            kind: s.responseKind.kind,
            verbs: s.verbs,
          })),
        ]),
      });
    }
  }
  return routes;
}

export interface ResourceAttributes {
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** The length-delimited fields of a protobuf message, by field number (the wire format's varint tags and lengths). */
function protobufFields(buffer: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let offset = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = buffer[offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (offset < buffer.length) {
    const tag = varint();
    const wireType = tag & 7;
    if (wireType === 0) varint();
    else if (wireType === 2) {
      const length = varint();
      fields.set(tag >>> 3, buffer.subarray(offset, offset + length));
      offset += length;
    } else throw new Error(`unexpected protobuf wire type ${wireType}`);
  }
  return fields;
}

/**
 * kubectl posts a SelfSubjectAccessReview as Kubernetes protobuf: the `k8s\0` magic, a runtime.Unknown whose raw
 * (field 2) holds the review; spec is field 2, its resourceAttributes field 1 (namespace, verb, group, version,
 * resource, subresource, name as fields 1–7: k8s.io/api/authorization/v1/generated.proto).
 */
function protobufResourceAttributes(body: Buffer): ResourceAttributes | undefined {
  const raw = protobufFields(body.subarray(4)).get(2);
  const attributes = raw && protobufFields(protobufFields(raw).get(2) ?? Buffer.alloc(0)).get(1);
  if (!attributes) return undefined;
  const f = protobufFields(attributes);
  const text = (n: number) => f.get(n)?.toString('utf8') ?? '';
  return { namespace: text(1), verb: text(2), group: text(3), resource: text(5), subresource: text(6), name: text(7) };
}

/** Starts the stand-in of Kubernetes `minor` on 127.0.0.1:port; `reviews` collects what kubectl asked. */
export async function startDiscoveryStandIn(
  port: number,
  minor: string,
): Promise<{ url: string; reviews: ResourceAttributes[]; close: () => Promise<void> }> {
  const routes = discoveryRoutes(minor);
  const reviews: ResourceAttributes[] = [];
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0]!;
    if (req.method === 'POST' && url === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const attributes = (req.headers['content-type'] ?? '').includes('protobuf')
          ? protobufResourceAttributes(body)
          : (JSON.parse(body.toString('utf8')) as { spec: { resourceAttributes?: ResourceAttributes } }).spec
              .resourceAttributes;
        reviews.push(attributes ?? {});
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'SelfSubjectAccessReview',
            apiVersion: 'authorization.k8s.io/v1',
            spec: { resourceAttributes: attributes },
            status: { allowed: true },
          }),
        );
      });
      return;
    }
    const doc = routes.get(url);
    res.writeHead(doc ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(doc ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    reviews,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
