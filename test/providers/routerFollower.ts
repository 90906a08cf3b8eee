import { KubeClient } from "../harness/apiserver";
import { FixtureInstance, LoadGenerator } from "../fixtures/fixtureService";

/**
 * Plays the router for the fixture service: every `periodMs` it reads the live VirtualService from the
 * API server and sends the load generator's `totalRps` to the two instances by its weighted route, as
 * Envoy would. So the candidate gets traffic only while the live object says so, and a gate judges
 * exactly the traffic the router in the cluster sends.
 */
export class RouterFollower {
    private timer?: NodeJS.Timeout;
    /** The candidate weight last read from the live object. */
    candidateWeight = -1;

    constructor(
        private readonly client: KubeClient,
        private readonly path: string,
        private readonly load: LoadGenerator,
        private readonly tracks: { stable: FixtureInstance; candidate: FixtureInstance },
        private readonly totalRps: number,
    ) {}

    async start(periodMs = 200): Promise<void> {
        await this.follow();
        this.timer = setInterval(() => void this.follow().catch(() => undefined), periodMs);
    }

    stop(): void {
        clearInterval(this.timer);
    }

    private async follow(): Promise<void> {
        const vs = (
            await this.client.request<{
                spec: { http: { name: string; route: { destination: { subset: string }; weight?: number }[] }[] };
            }>("GET", this.path)
        ).body;
        const weighted = vs.spec.http.find((r) => r.name === "weighted");
        const weight = weighted?.route.find((d) => d.destination.subset === "canary")?.weight ?? 0;
        this.candidateWeight = weight;
        this.load.setRate(this.tracks.candidate, (this.totalRps * weight) / 100);
        this.load.setRate(this.tracks.stable, (this.totalRps * (100 - weight)) / 100);
    }
}
