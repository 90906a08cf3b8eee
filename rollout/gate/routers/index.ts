import { GatewayApiTarget, gatewayApiLiveRouter } from "./gatewayApi";
import { IstioTarget, istioLiveRouter } from "./istio";
import type { LiveRouter } from "./liveRouter";
import { NginxTarget, nginxLiveRouter } from "./nginx";

/**
 * The routers the service's traffic can enter through, by the name `mesh.router` takes, each with its live
 * half (./liveRouter.ts). The one table of router names: the configuration's choices and the Pulumi half
 * (components/traffic/routers/) are typed from it.
 */
export const LIVE_ROUTERS = { istio: istioLiveRouter, nginx: nginxLiveRouter, "gateway-api": gatewayApiLiveRouter };

export type Router = keyof typeof LIVE_ROUTERS;
export const ROUTER_NAMES = Object.keys(LIVE_ROUTERS) as [Router, ...Router[]];

/** What the cut and the restore patch: the router object of a stage, with its router's name. */
export type TrafficCutTarget = IstioTarget | NginxTarget | GatewayApiTarget;

/** The live half of the target's router. */
export function liveRouterOf(target: TrafficCutTarget): LiveRouter<TrafficCutTarget> {
    const router = LIVE_ROUTERS[target.router] as LiveRouter<TrafficCutTarget> | undefined;
    if (!router) throw new Error(`no router named ${JSON.stringify(target.router)}; known: ${ROUTER_NAMES.join(", ")}`);
    return router;
}
