// The name rules Kubernetes applies (k8s.io/apimachinery/pkg/util/validation).

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && dns1123Label.test(value);
}

/** A DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDns1123Label);
}

/** `*.example.com`: a wildcard label followed by a subdomain, as kubeadm accepts in certSANs. */
export function isWildcardDnsName(value: string): boolean {
  return value.startsWith('*.') && isDns1123Subdomain(value.slice(2));
}
