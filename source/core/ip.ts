import {isIPv4, isIPv6} from 'node:net';

/** An IP address family, as the cluster file and SANs use them. */
export type IpFamily = 4 | 6;

export function ipFamily(value: string): IpFamily | undefined {
	if (isIPv4(value)) return 4;
	if (isIPv6(value)) return 6;
	return undefined;
}

/** The address as a big integer, so CIDR arithmetic works the same for IPv4 and IPv6. */
export function ipToBigInt(value: string): bigint {
	if (isIPv4(value)) {
		return value.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
	}

	if (!isIPv6(value)) throw new Error(`not an IP address: ${value}`);
	let text = value;
	// An IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
	const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4?.[1]) {
		const n = ipToBigInt(v4[1]);
		text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
	}

	const [head = '', tail] = text.split('::');
	const headGroups = head ? head.split(':') : [];
	const tailGroups = tail ? tail.split(':') : [];
	const missing = 8 - headGroups.length - tailGroups.length;
	const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
	return groups.reduce((acc, group) => (acc << 16n) + BigInt(Number.parseInt(group, 16)), 0n);
}

export function bigIntToIp(value: bigint, family: IpFamily): string {
	if (family === 4) {
		return [24n, 16n, 8n, 0n].map(shift => String((value >> shift) & 0xffn)).join('.');
	}

	const groups: string[] = [];
	for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
	// Compress the longest run of zero groups, as RFC 5952 asks.
	let bestStart = -1;
	let bestLength = 0;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== '0') {
			i++;
			continue;
		}

		let j = i;
		while (j < 8 && groups[j] === '0') j++;
		if (j - i > bestLength && j - i > 1) {
			bestStart = i;
			bestLength = j - i;
		}

		i = j;
	}

	if (bestStart < 0) return groups.join(':');
	return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

const mappedPrefix = 0xffffn << 32n;

/**
 * Canonical text of an address (`::0001` and `::1` are the same SAN). An IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`) is that IPv4 address: a connection to it is an IPv4 connection, and two hosts given
 * as `10.0.0.1` and `::ffff:10.0.0.1` are the same machine.
 */
export function normalizeIp(value: string): string {
	const family = ipFamily(value);
	if (!family) return value;
	const n = ipToBigInt(value);
	if (family === 6 && n >> 32n === mappedPrefix >> 32n) return bigIntToIp(n & 0xffff_ffffn, 4);
	return bigIntToIp(n, family);
}

/** The family of an address after normalizing (a mapped address is IPv4). */
export function addressFamily(value: string): IpFamily | undefined {
	return ipFamily(normalizeIp(value));
}

/** 127.0.0.0/8 and ::1: only this machine reaches them. */
export function isLoopback(ip: string): boolean {
	const normal = normalizeIp(ip);
	return normal === '::1' || (ipFamily(normal) === 4 && normal.startsWith('127.'));
}

/**
 * Why an address cannot be a host's or a SAN's, or undefined when it can. A zone (`fe80::1%eth0`) has no
 * place in a certificate; the unspecified address (0.0.0.0, ::) and the broadcast address name no machine.
 */
export function addressProblem(value: string): string | undefined {
	if (/%/.test(value) && isIPv6(value)) return `has a zone (${value.slice(value.indexOf('%'))}); a certificate holds the address without it`;
	if (!ipFamily(value)) return 'is not an IPv4 or IPv6 address';
	const normal = normalizeIp(value);
	if (normal === '0.0.0.0' || normal === '::') return 'is the unspecified address; it names no machine';
	if (normal === '255.255.255.255') return 'is the broadcast address; it names no machine';
	return undefined;
}

export type Cidr = {network: string; prefix: number; family: IpFamily};

/** Parse `a.b.c.d/n`; undefined when the text is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
	const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
	if (!match?.[1] || !match[2]) return undefined;
	const family = ipFamily(match[1]);
	const prefix = Number(match[2]);
	if (!family || prefix > (family === 4 ? 32 : 128)) return undefined;
	const bits = BigInt(family === 4 ? 32 : 128);
	const mask = ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
	return {network: bigIntToIp(ipToBigInt(match[1]) & mask, family), prefix, family};
}

/** Number of host bits in the range: the room left for service IPs. */
export function hostBits(cidr: Cidr): number {
	return (cidr.family === 4 ? 32 : 128) - cidr.prefix;
}

/** The API server's service IP: the network address plus one (10.32.0.0/24 -> 10.32.0.1). */
export function firstServiceIp(cidr: Cidr): string {
	return bigIntToIp(ipToBigInt(cidr.network) + 1n, cidr.family);
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
	if (ipFamily(ip) !== cidr.family) return false;
	const shift = BigInt(hostBits(cidr));
	return ipToBigInt(ip) >> shift === ipToBigInt(cidr.network) >> shift;
}

/** An address as the host part of a URL: IPv6 needs brackets (`https://[fd00::1]:6443`). */
export function urlHost(ip: string): string {
	return ipFamily(ip) === 6 ? `[${ip}]` : ip;
}
