import * as pulumi from "@pulumi/pulumi";
import { stageWeights } from "../../rollout/stages";
import { componentType, PLATFORM_LABELS } from "../../identity";
import { istioSplit } from "./istioSplit";
import { nginxSplit } from "./nginxSplit";
import { Router, RouterSplitBuilder, TrafficCutTarget, TrafficSplitArgs } from "./router";

export type { TrafficSplitArgs };

const SPLITS: Record<Router, RouterSplitBuilder> = { istio: istioSplit, nginx: nginxSplit };

/**
 * The traffic split between the stable and candidate tracks for one rollout stage, with the router
 * the stack uses: Istio (DestinationRule + VirtualService) or ingress-nginx (main + canary Ingress).
 * The object names never change between stages; only weights and the header route do.
 */
export class TrafficSplit extends pulumi.ComponentResource {
    readonly router: Router;
    /** The applied split, in percent. */
    readonly weights: { stable: number; candidate: number };
    /** What the health gate's fast traffic cut patches. */
    readonly trafficCut: pulumi.Output<TrafficCutTarget>;
    /** The VirtualService (istio) or canary Ingress (nginx) that carries the candidate's weight. */
    readonly weightedObject: pulumi.CustomResource;

    constructor(name: string, args: TrafficSplitArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "TrafficSplit"), name, {}, opts);
        this.router = args.router;
        this.weights = stageWeights(args.stage);
        const labels = { "app.kubernetes.io/name": args.services.main, ...PLATFORM_LABELS };
        const split = SPLITS[args.router](name, args, labels, this);
        this.weightedObject = split.weightedObject;
        this.trafficCut = split.trafficCut;
        this.registerOutputs({ weights: this.weights, trafficCut: this.trafficCut });
    }
}
