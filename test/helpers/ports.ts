import {createServer, type AddressInfo} from 'node:net';

/**
 * Distinct free loopback ports, all held open until every one is known: asking for one port at a time
 * can hand the same port out twice (it is free again once its probe closes), and two etcd members
 * sharing a port never elect a leader.
 */
export async function freePorts(count: number): Promise<number[]> {
	const servers = Array.from({length: count}, () => createServer());
	try {
		return await Promise.all(
			servers.map(
				async server =>
					new Promise<number>((resolve, reject) => {
						server.once('error', reject);
						server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
					}),
			),
		);
	} finally {
		await Promise.all(servers.map(async server => new Promise(resolve => server.close(resolve))));
	}
}
