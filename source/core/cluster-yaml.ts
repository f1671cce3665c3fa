// A topology written back as the cluster file `--config` reads (the schema of README: The cluster file),
// so what was typed into the wizard can be used again by `kubepki generate --config`.
import {stringify} from 'yaml';
import {defaultValidity, type Topology} from './topology.js';

/** The cluster file of `topology`: every field it has, defaults left out where they are the defaults. */
export function clusterFileYaml(topology: Topology): string {
	const hosts = (list: Topology['masters']) => list.map(h => ({name: h.name, ip: h.ip}));
	const file: Record<string, unknown> = {
		cluster: topology.cluster,
		serviceCIDR: topology.serviceCIDR,
		clusterDomain: topology.clusterDomain,
		loadBalancer: {name: topology.loadBalancer.name, ip: topology.loadBalancer.ip},
		masters: hosts(topology.masters),
		workers: hosts(topology.workers),
		algorithm: topology.algorithm,
		...(topology.validity.ca === defaultValidity.ca && topology.validity.leaf === defaultValidity.leaf
			? {}
			: {validity: {ca: `${topology.validity.ca}h`, leaf: `${topology.validity.leaf}h`}}),
		...(topology.extraSANs.length > 0 ? {extraSANs: [...topology.extraSANs]} : {}),
	};
	return `# kubepki cluster file: kubepki generate --config cluster.yaml\n${stringify(file, {collectionStyle: 'block'})}`;
}
