import {distribution, etcdInstall, installDirs, installedAt, type Bundle} from './distribute.js';
import {urlHost} from './ip.js';
import {etcdEnvSource, etcdUnitSource, unitFileName} from './placement.js';
import {hardwayPaths, specById, type Plan} from './plan.js';
import type {Host} from './topology.js';
import type {OutputFile} from './write.js';

export {etcdInstall};

export const etcdClientPort = 2379;
export const etcdPeerPort = 2380;

/** One etcd flag: `--name value`, or a boolean switch (`--client-cert-auth`). */
export type EtcdFlag = {readonly name: string; readonly value: string | true};

/** How many members must agree for etcd to accept a write: more than half. */
export function etcdQuorum(members: number): number {
	return Math.floor(members / 2) + 1;
}

/** Members that may fail while the rest keep quorum: 2 members tolerate none. */
export function etcdFaultTolerance(members: number): number {
	return members - etcdQuorum(members);
}

/** The cluster token: derived from the cluster name, so every run writes the same units. */
export function etcdClusterToken(plan: Plan): string {
	return `etcd-${plan.topology.cluster}`;
}

/** The files one member reads, where another layout keeps them (kubeadm: etcd/server, etcd/peer, etcd/ca). */
export type EtcdMemberFiles = {readonly cert: string; readonly key: string; readonly peerCert: string; readonly peerKey: string; readonly ca: string};

/**
 * The files a member reads in the hard way, where distribution() installs them for etcd (installDirs.etcd). As in
 * the guide, the API server's certificate is the server, peer and client certificate: it carries every master's IP and 127.0.0.1,
 * and both serverAuth and clientAuth (peers are TLS clients of each other).
 */
export function hardwayEtcdFiles(plan: Plan, master: Host, bundles: readonly Bundle[] = distribution(plan)): EtcdMemberFiles {
	const at = (file: string) => installedAt(bundles, master.name, file, installDirs.etcd);
	const api = hardwayPaths(specById(plan, 'apiserver'));
	const cert = at(api.cert);
	const key = at(api.key);
	return {cert, key, peerCert: cert, peerKey: key, ca: at(hardwayPaths(specById(plan, 'ca')).cert)};
}

/** The flags of one member (reference §6), reading `files` (the hard way's unless given). */
export function etcdMemberFlags(plan: Plan, master: Host, files: EtcdMemberFiles = hardwayEtcdFiles(plan, master), state: 'new' | 'existing' = 'new'): EtcdFlag[] {
	const {cert, key, peerCert, peerKey, ca: caFile} = files;
	const url = (host: string, port: number) => `https://${urlHost(host)}:${port}`;
	return [
		{name: 'name', value: master.name},
		{name: 'data-dir', value: etcdInstall.dataDir},
		{name: 'cert-file', value: cert},
		{name: 'key-file', value: key},
		{name: 'peer-cert-file', value: peerCert},
		{name: 'peer-key-file', value: peerKey},
		{name: 'trusted-ca-file', value: caFile},
		{name: 'peer-trusted-ca-file', value: caFile},
		// Without these, etcd accepts any client: the CA check is what keeps everyone but the API server out.
		{name: 'client-cert-auth', value: true},
		{name: 'peer-client-cert-auth', value: true},
		{name: 'listen-peer-urls', value: url(master.ip, etcdPeerPort)},
		{name: 'initial-advertise-peer-urls', value: url(master.ip, etcdPeerPort)},
		{name: 'listen-client-urls', value: `${url(master.ip, etcdClientPort)},${url('127.0.0.1', etcdClientPort)}`},
		{name: 'advertise-client-urls', value: url(master.ip, etcdClientPort)},
		{name: 'initial-cluster-token', value: etcdClusterToken(plan)},
		{name: 'initial-cluster', value: plan.topology.masters.map(m => `${m.name}=${url(m.ip, etcdPeerPort)}`).join(',')},
		// A member joining a running cluster (after etcdctl member add) starts with `existing`.
		{name: 'initial-cluster-state', value: state},
	];
}

/** The API server's `--etcd-servers`: every member's client URL. */
export function etcdServers(plan: Plan): string {
	return plan.topology.masters.map(m => `https://${urlHost(m.ip)}:${etcdClientPort}`).join(',');
}

function quorumNote(plan: Plan): string[] {
	const n = plan.topology.masters.length;
	const quorum = etcdQuorum(n);
	const tolerates = etcdFaultTolerance(n);
	const lines = [`# ${n} member(s): quorum is ${quorum}, so the cluster keeps working with ${tolerates} member(s) down.`];
	if (tolerates === 0 && n > 1) {
		lines.push(
			`# With ${n} members, losing any one stops writes: that is less available than a single member,`,
			'# not more. Use 3 masters (or 3 etcd members) for a cluster that survives one failure.',
		);
	} else if (n === 1) lines.push('# A single member: no fault tolerance. Use 3 for a cluster that survives one failure.');
	else if (n % 2 === 0) lines.push(`# An even count adds no tolerance over ${n - 1} members; prefer an odd number.`);
	return lines;
}

/** The systemd unit for one master, as the guide installs it (in /etc/systemd/system/). */
export function etcdUnit(plan: Plan, master: Host, state: 'new' | 'existing' = 'new'): string {
	const files = hardwayEtcdFiles(plan, master);
	const flags = etcdMemberFlags(plan, master, files, state).map(flag => (flag.value === true ? `--${flag.name}` : `--${flag.name}=${flag.value}`));
	const read = [...new Set([files.ca, files.cert, files.key, files.peerCert, files.peerKey])];
	return [
		`# etcd member ${master.name} of cluster ${plan.topology.cluster}, written by kubepki.`,
		`# Install as ${installDirs.systemd}/${etcdInstall.unitName}; it reads ${read.join(', ')}.`,
		...quorumNote(plan),
		'[Unit]',
		'Description=etcd',
		'Documentation=https://etcd.io/docs/',
		'After=network-online.target',
		'Wants=network-online.target',
		'',
		'[Service]',
		'Type=notify',
		`ExecStart=${etcdInstall.binary} \\`,
		...flags.map((flag, index) => `  ${flag}${index < flags.length - 1 ? ' \\' : ''}`),
		'Restart=on-failure',
		'RestartSec=5',
		'LimitNOFILE=65536',
		'',
		'[Install]',
		'WantedBy=multi-user.target',
		'',
	].join('\n');
}

/** etcd reads every flag from ETCD_<FLAG> variables: the same settings as an EnvironmentFile. */
export function etcdEnvName(flag: string): string {
	return `ETCD_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** The same settings as the unit, as ETCD_* variables (for `EnvironmentFile=` with a bare ExecStart). */
export function etcdEnv(plan: Plan, master: Host, state: 'new' | 'existing' = 'new'): string {
	return [
		`# etcd member ${master.name}: the settings of ${unitFileName(master.name)} as environment variables.`,
		`# Use either this file (EnvironmentFile=${etcdInstall.envFile}, ExecStart=${etcdInstall.binary} with no flags)`,
		'# or the flags in the unit, not both: etcd warns when a flag shadows a variable.',
		...quorumNote(plan),
		...etcdMemberFlags(plan, master, undefined, state).map(flag => `${etcdEnvName(flag.name)}=${flag.value === true ? 'true' : flag.value}`),
		'',
	].join('\n');
}

/** Each master's etcd unit and environment file (no secrets: 0644). */
export function etcdFiles(plan: Plan, joining: readonly string[] = []): OutputFile[] {
	return plan.topology.masters.flatMap((master): OutputFile[] => {
		const state = joining.includes(master.name) ? 'existing' : 'new';
		return [
			{path: etcdUnitSource(master.name), content: etcdUnit(plan, master, state), mode: 0o644, kind: 'etcd-unit'},
			{path: etcdEnvSource(master.name), content: etcdEnv(plan, master, state), mode: 0o644, kind: 'etcd-env'},
		];
	});
}
