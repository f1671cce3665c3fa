// The IPv6 (and mixed) example cluster several test files check: IPv6 service range, load balancer and master,
// one IPv6 worker and one IPv4 worker.
import {exampleCluster, validateTopology, type Topology} from '../../source/core/topology.js';

export const ipv6Topology: Topology = (() => {
	const result = validateTopology({
		...exampleCluster,
		serviceCIDR: 'fd00:32::/112',
		algorithm: 'ecdsa-p256',
		loadBalancer: {name: 'lb', ip: 'fd00::10'},
		masters: [{name: 'm1', ip: 'fd00::11'}],
		workers: [{name: 'w1', ip: 'fd00::21'}, {name: 'w2', ip: '10.0.0.22'}],
	});
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	return result.topology;
})();
