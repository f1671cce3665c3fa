import {hardwayPaths} from '../../core/placement.js';
import type {PreviewCert} from '../../core/preview.js';
import type {Reading} from '../../core/readings.js';
import {labelled, type Line} from './lines.js';

const statusWords: Record<PreviewCert['status'], string> = {
	issued: 'new',
	kept: 'kept from the folder',
	'reused-ca': 'existing CA, reused',
};

function day(iso: string): string {
	return iso.slice(0, 10);
}

/** A fingerprint broken between whole bytes (`AB:CD:` never `A` / `B:CD`), one line per row of the card. */
function byteLines(fingerprint: string, width: number): string {
	const bytes = fingerprint.split(':');
	// Each byte takes three columns with its colon (the last line has one colon fewer).
	const perLine = Math.max(1, Math.floor(width / 3));
	const lines: string[] = [];
	for (let i = 0; i < bytes.length; i += perLine) lines.push(bytes.slice(i, i + perLine).join(':') + (i + perLine < bytes.length ? ':' : ''));
	return lines.join('\n');
}

/**
 * The card's top line: title, file and status (new, kept, reused). When the pane is narrow the title gives
 * way first (shortened with …), so the file and the status — what the card is about — always show.
 */
export function cardHead(title: string, file: string, status: string, width: number): string {
	const tail = ` · ${file} · ${status} `;
	const room = width - 2 - tail.length;
	const shown = title.length <= room ? title : room >= 4 ? `${title.slice(0, room - 1)}…` : '';
	const head = shown === '' ? `┌ ${file} · ${status} ` : `┌ ${shown}${tail}`;
	return head.length < width ? head + '─'.repeat(width - head.length) : head.slice(0, width);
}

/**
 * The card of one certificate, drawn from the certificate really issued (its parsed fields, fingerprint
 * included), plus what the plan says about it (file, the Kubernetes identity) and who reads it: the settings of
 * the generated units that name its files (`readings`), or, where no unit does, the plan's consumers. `file`: the
 * file it is written to when that is not the plan's own name (a CA rotation's next pair, kubeadm's paths).
 */
export function certCardLines(cert: PreviewCert, width: number, readings: readonly Reading[] = [], file = hardwayPaths(cert.spec).cert): Line[] {
	const {spec, info} = cert;
	const inner = width - 2;
	const row = (label: string, value: string) => labelled(label, value, inner, 11).map(l => ({...l, text: `│ ${l.text}`}));
	const days = Math.round((Date.parse(info.notAfter) - Date.parse(info.notBefore)) / 86_400_000);
	const sans = [...info.dnsNames.map(n => `DNS:${n}`), ...info.ipAddresses.map(ip => `IP:${ip}`)];
	const key = `${info.publicKey.algorithm} ${info.publicKey.curve ?? info.publicKey.bits ?? ''}`.trim();
	const status = statusWords[cert.status] + (cert.reason ? ` (${cert.reason})` : '');
	return [
		{text: cardHead(spec.title, file, status, width), tone: 'accent', bold: true},
		...row('Subject', info.subject),
		...row('Issuer', info.issuer),
		...(spec.kubernetes
			? [...row('K8s user', spec.kubernetes.user), ...row('K8s groups', spec.kubernetes.groups.join(', ') || '(none)')]
			: row('K8s user', spec.isCA ? '(a CA: it signs, it does not log in)' : '(not used to log in)')),
		...(sans.length > 0 ? row('SANs', sans.join(', ')) : []),
		...row('Usage', [info.isCA ? 'CA:TRUE' : 'CA:FALSE', ...info.keyUsage, ...info.extKeyUsage].join(', ')),
		...row('Valid', `${day(info.notBefore)} → ${day(info.notAfter)} (${days} days)`),
		...row('Key', `${key}, ${info.signatureAlgorithm}`),
		...row('SHA-256', byteLines(info.fingerprintSha256, inner - 11)),
		...row('Read by', readings.length > 0 ? readings.map(r => `${r.service}${r.service === 'kubelet' ? ` (${r.host})` : ''} ${r.setting}`).join('\n') : spec.consumers.map(c => `${c.component} ${c.flag}`).join('; ')),
		{text: `└${'─'.repeat(Math.max(0, width - 1))}`, tone: 'accent'},
	];
}
