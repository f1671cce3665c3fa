import {distribution, type Bundle} from './distribute.js';
import {etcdMemberFlags} from './etcd.js';
import {kubeconfigSpecs} from './kubeconfig.js';
import {hardwayPaths, type Plan} from './plan.js';
import type {Host} from './topology.js';
import {
	apiserverFlags,
	controllerManagerFlags,
	flagText,
	kubeletConfigFields,
	kubeletFlags,
	kubeProxyConfigFields,
	kubeProxyFlags,
	schedulerConfigFields,
	schedulerFlags,
	type Field,
	type ServiceFlag,
} from './units.js';

/*
 * Which flag or configuration field of the generated units reads each certificate: what the wizard's cards show
 * under "Read by". Found, not listed again: a setting reads a certificate when its value is where distribute.ts
 * installs that certificate, its key, or the kubeconfig that embeds it, on that machine.
 */

/** One setting of one service on one machine: `--client-ca-file=<the CA's installed path>`, and why it is there. */
export type Reading = {readonly service: string; readonly host: string; readonly setting: string; readonly why?: string};

type Setting = {readonly text: string; readonly value: unknown; readonly why?: string};

const fromFlags = (flags: readonly ServiceFlag[]): Setting[] => flags.map(flag => ({text: flagText(flag), value: flag.value, why: flag.why}));
const fromFields = (fields: readonly Field[]): Setting[] => fields.map(field => ({text: `${field.path.join('.')}: ${String(field.value)}`, value: field.value, why: field.why}));

/** The settings of every service of one machine, as the units and configuration files of generate carry them. */
function servicesOf(plan: Plan, host: Host, role: 'master' | 'worker', bundles: readonly Bundle[]): Array<{service: string; settings: Setting[]}> {
	if (role === 'master') {
		return [
			{service: 'etcd', settings: fromFlags(etcdMemberFlags(plan, host).map(flag => ({...flag, why: ''})))},
			{service: 'kube-apiserver', settings: fromFlags(apiserverFlags(plan, host, bundles))},
			{service: 'kube-controller-manager', settings: fromFlags(controllerManagerFlags(plan, host, bundles))},
			{service: 'kube-scheduler', settings: [...fromFlags(schedulerFlags(plan, host, bundles)), ...fromFields(schedulerConfigFields(plan, host, bundles))]},
		];
	}
	return [
		{service: 'kubelet', settings: [...fromFlags(kubeletFlags(plan, host, bundles)), ...fromFields(kubeletConfigFields(plan, host, bundles))]},
		{service: 'kube-proxy', settings: [...fromFlags(kubeProxyFlags(plan, host, bundles)), ...fromFields(kubeProxyConfigFields(plan, host, bundles))]},
	];
}

const cache = new WeakMap<Plan, ReadonlyMap<string, readonly Reading[]>>();

/**
 * Every certificate's readings in the hard way (kubeadm's layout: none yet, its cards keep the plan's consumers).
 * A setting found on several machines is given once, on the first (each master's API server has the same flags).
 */
export function readingsByCert(plan: Plan): ReadonlyMap<string, readonly Reading[]> {
	const known = cache.get(plan);
	if (known) return known;
	const result = new Map<string, Reading[]>();
	if (plan.layout === 'kubeadm') {
		cache.set(plan, result);
		return result;
	}

	const bundles = distribution(plan);
	// A file of the output folder -> the certificates it carries (its own pair; a kubeconfig its client certificate).
	const carries = new Map<string, string[]>();
	const add = (file: string, certId: string) => carries.set(file, [...(carries.get(file) ?? []), certId]);
	for (const spec of plan.certs) {
		const paths = hardwayPaths(spec);
		add(paths.cert, spec.id);
		add(paths.key, spec.id);
	}
	for (const kubeconfig of kubeconfigSpecs(plan)) add(kubeconfig.file, kubeconfig.certId);

	const hosts = [...plan.topology.masters.map(h => ({host: h, role: 'master' as const})), ...plan.topology.workers.map(h => ({host: h, role: 'worker' as const}))];
	const seen = new Set<string>();
	for (const {host, role} of hosts) {
		const bundle = bundles.find(b => b.host === host.name);
		// An installed path on this machine -> the certificates its file carries.
		const at = new Map<string, string[]>();
		for (const delivery of bundle?.files ?? []) {
			const ids = carries.get(delivery.source);
			if (ids) for (const place of delivery.installTo) at.set(place, ids);
		}

		for (const {service, settings} of servicesOf(plan, host, role, bundles)) {
			for (const setting of settings) {
				for (const certId of typeof setting.value === 'string' ? (at.get(setting.value) ?? []) : []) {
					// The same setting on the next master (or a worker's CA path on every worker) is said once.
					const key = `${certId}\u0000${service}\u0000${setting.text}`;
					if (seen.has(key)) continue;
					seen.add(key);
					const list = result.get(certId) ?? [];
					list.push({service, host: host.name, setting: setting.text, ...(setting.why && {why: setting.why})});
					result.set(certId, list);
				}
			}
		}
	}

	cache.set(plan, result);
	return result;
}
