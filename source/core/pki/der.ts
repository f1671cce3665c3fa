// A small, strict DER reader: just enough ASN.1 to read certificates and CSRs quickly.
// @peculiar/x509 takes about 1 ms per certificate here (its decorator-driven schema parser); reading
// 1,000 certificates in under a second needs a walk over the bytes instead. Every read is bounds-checked
// and throws DerError, which the loader turns into an `unreadable` item: nothing here trusts the input.

/** Malformed DER: the message says where and what. */
export class DerError extends Error {}

/** One TLV: its tag byte, where its value starts and ends in `bytes`, and where the whole element ends. */
export type Tlv = {
	readonly tag: number;
	readonly bytes: Uint8Array;
	readonly start: number;
	readonly end: number;
	/** Offset of the tag byte: `bytes.subarray(headerStart, end)` is the whole element. */
	readonly headerStart: number;
};

// Certificates of any real size fit in 4 length bytes; more would be an attack or garbage.
const maxLengthBytes = 4;

/** Read the element at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
	if (offset + 2 > limit) throw new DerError(`truncated at byte ${offset}`);
	const tag = bytes[offset]!;
	// High tag numbers (0x1f) never appear in the structures we read.
	if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported tag at byte ${offset}`);
	let length = bytes[offset + 1]!;
	let start = offset + 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		if (count === 0) throw new DerError(`indefinite length at byte ${offset} (BER, not DER)`);
		if (count > maxLengthBytes) throw new DerError(`length too large at byte ${offset}`);
		if (start + count > limit) throw new DerError(`truncated length at byte ${offset}`);
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
		start += count;
	}

	const end = start + length;
	if (end > limit) throw new DerError(`element at byte ${offset} runs past the end (${length} bytes declared)`);
	return {tag, bytes, start, end, headerStart: offset};
}

/** The children of a constructed element (SEQUENCE, SET, a context tag). */
export function children(parent: Tlv): Tlv[] {
	const list: Tlv[] = [];
	let offset = parent.start;
	while (offset < parent.end) {
		const child = readTlv(parent.bytes, offset, parent.end);
		list.push(child);
		offset = child.end;
	}

	return list;
}

/** Read the element, checking its tag. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
	if (!tlv) throw new DerError(`${what} is missing`);
	if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
	return tlv;
}

export function value(tlv: Tlv): Uint8Array {
	return tlv.bytes.subarray(tlv.start, tlv.end);
}

export function whole(tlv: Tlv): Uint8Array {
	return tlv.bytes.subarray(tlv.headerStart, tlv.end);
}

export const tags = {
	boolean: 0x01,
	integer: 0x02,
	bitString: 0x03,
	octetString: 0x04,
	null: 0x05,
	oid: 0x06,
	utf8String: 0x0c,
	printableString: 0x13,
	t61String: 0x14,
	ia5String: 0x16,
	utcTime: 0x17,
	generalizedTime: 0x18,
	universalString: 0x1c,
	bmpString: 0x1e,
	sequence: 0x30,
	set: 0x31,
} as const;

export function oid(tlv: Tlv): string {
	const bytes = value(expectTag(tlv, tags.oid, 'object identifier'));
	if (bytes.length === 0) throw new DerError('empty object identifier');
	const parts: number[] = [];
	let current = 0;
	for (const byte of bytes) {
		current = current * 128 + (byte & 0x7f);
		if (current > Number.MAX_SAFE_INTEGER) throw new DerError('object identifier arc too large');
		if ((byte & 0x80) === 0) {
			parts.push(current);
			current = 0;
		}
	}

	if ((bytes.at(-1)! & 0x80) !== 0) throw new DerError('truncated object identifier');
	const first = parts.shift()!;
	const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
	return [...head, ...parts].join('.');
}

/** The bytes as a Buffer without copying them (Buffer.from(array) copies), to decode as text or hex. */
export function bufferView(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A directory string as text, whatever string type carries it. */
export function text(tlv: Tlv): string {
	const bytes = value(tlv);
	switch (tlv.tag) {
		case tags.utf8String:
		case tags.printableString:
		case tags.ia5String: {
			return bufferView(bytes).toString('utf8');
		}

		case tags.t61String: {
			return bufferView(bytes).toString('latin1');
		}

		case tags.bmpString: {
			// UTF-16 big-endian: swap to the little-endian order Node decodes.
			const swapped = Buffer.from(bytes);
			if (swapped.length % 2 === 1) throw new DerError('odd-length BMPString');
			return swapped.swap16().toString('utf16le');
		}

		case tags.universalString: {
			if (bytes.length % 4 !== 0) throw new DerError('bad UniversalString');
			let out = '';
			for (let i = 0; i < bytes.length; i += 4) {
				out += String.fromCodePoint(((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!);
			}

			return out;
		}

		default: {
			// Anything else is shown as openssl does with -nameopt: its hex, prefixed by '#'.
			return `#${bufferView(whole(tlv)).toString('hex')}`;
		}
	}
}

/** UTCTime or GeneralizedTime (DER: always UTC, `Z`), as an ISO string. */
export function time(tlv: Tlv): string {
	const raw = bufferView(value(tlv)).toString('latin1');
	let match: RegExpExecArray | null;
	let year: number;
	if (tlv.tag === tags.utcTime) {
		match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(raw);
		if (!match) throw new DerError(`bad UTCTime ${JSON.stringify(raw)}`);
		// RFC 5280: two-digit years 50-99 are 19xx, 00-49 are 20xx.
		const yy = Number(match[1]);
		year = yy >= 50 ? 1900 + yy : 2000 + yy;
	} else if (tlv.tag === tags.generalizedTime) {
		match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(raw);
		if (!match) throw new DerError(`bad GeneralizedTime ${JSON.stringify(raw)}`);
		year = Number(match[1]);
	} else {
		throw new DerError('expected a time');
	}

	const [month, day, hour, minute, second] = [match[2], match[3], match[4], match[5], match[6] ?? '0'].map(Number) as [number, number, number, number, number];
	const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
	if (Number.isNaN(date.getTime()) || month < 1 || month > 12 || day < 1 || day > 31) throw new DerError(`bad date ${JSON.stringify(raw)}`);
	return date.toISOString();
}

/** An INTEGER's magnitude as upper-case hex, as openssl prints serials (sign padding byte dropped). */
export function integerHex(tlv: Tlv): string {
	let bytes = value(expectTag(tlv, tags.integer, 'integer'));
	if (bytes.length === 0) throw new DerError('empty integer');
	while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
	return bufferView(bytes).toString('hex').toUpperCase();
}

/** The number of significant bits of an unsigned big-endian integer (an RSA modulus). */
export function bitLength(bytes: Uint8Array): number {
	let i = 0;
	while (i < bytes.length && bytes[i] === 0) i++;
	if (i === bytes.length) return 0;
	return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** A BIT STRING's bits, without the unused-bits count byte. */
export function bitStringBytes(tlv: Tlv): Uint8Array {
	const bytes = value(expectTag(tlv, tags.bitString, 'bit string'));
	if (bytes.length === 0 || bytes[0]! > 7) throw new DerError('bad bit string');
	return bytes.subarray(1);
}
