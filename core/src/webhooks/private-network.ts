// Which addresses a webhook may not reach unless `hub.webhooks.allowPrivateNetworks` is on:
// loopback, private, link-local, carrier-grade NAT, unique-local and unspecified ranges.

const ipv4 = (text: string): number[] | null => {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? bytes : null;
};

const privateIpv4 = ([a = 0, b = 0]: number[]): boolean =>
  a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;

/** Whether an IP address (v4 or v6, brackets allowed) is not on the public internet; false for what is not an IP address. */
export const isPrivateAddress = (address: string): boolean => {
  const text = address.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = ipv4(text);
  if (v4) return privateIpv4(v4);
  if (!text.includes(':')) return false;
  // An IPv4-mapped or -compatible address is judged by its IPv4 part.
  const mapped = /^(?:0*:)*(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped?.[1]) {
    const inner = ipv4(mapped[1]);
    return inner === null || privateIpv4(inner);
  }
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mappedHex?.[1] && mappedHex[2]) {
    const high = Number.parseInt(mappedHex[1], 16);
    const low = Number.parseInt(mappedHex[2], 16);
    return privateIpv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  }
  if (/^(0*:)*0*1$/.test(text) || /^(0*:)*:?0*$/.test(text)) return true; // ::1, ::
  const first = Number.parseInt(text.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
};

/** Whether a URL's host names this machine or a private network by itself (before any DNS lookup). */
export const isPrivateHost = (hostname: string): boolean => {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || isPrivateAddress(host);
};
