import * as pulumi from "@pulumi/pulumi";
import { stageWeights } from "../../rollout/stages";
import { componentType, PLATFORM_LABELS } from "../../identity";
import { Router, TrafficCutTarget, TrafficSplitArgs } from "./router";
import { ROUTERS } from "./routers";

export type { TrafficSplitArgs };

/**
 * The traffic split between the stable and candidate tracks for one rollout stage, with the router
 * the stack uses (./routers/): Istio (DestinationRule + VirtualService), ingress-nginx (main + canary
 * Ingress) or the Gateway API (an HTTPRoute). The object names never change between stages; only
 * weights and the header route do.
 */
export class TrafficSplit extends pulumi.ComponentResource {
    readonly router: Router;
    /** The applied split, in percent. */
    readonly weights: { stable: number; candidate: number };
    /** What the health gate's fast traffic cut patches. */
    readonly trafficCut: pulumi.Output<TrafficCutTarget>;
    /** The object that carries the candidate's weight (VirtualService, canary Ingress, HTTPRoute). */
    readonly weightedObject: pulumi.CustomResource;

    constructor(name: string, args: TrafficSplitArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "TrafficSplit"), name, {}, opts);
        this.router = args.router;
        this.weights = stageWeights(args.stage);
        const labels = { "app.kubernetes.io/name": args.services.main, ...PLATFORM_LABELS };
        const split = ROUTERS[args.router].split(name, args, labels, this);
        this.weightedObject = split.weightedObject;
        this.trafficCut = split.trafficCut;
        this.registerOutputs({ weights: this.weights, trafficCut: this.trafficCut });
    }
}
