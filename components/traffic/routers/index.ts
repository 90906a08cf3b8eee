import type { Router } from "../../../rollout/gate/routers";
import type { RouterModule } from "../router";
import { gatewayApiRouter } from "./gatewayApi";
import { istioRouter } from "./istio";
import { nginxRouter } from "./nginx";

/** Every router by the name `mesh.router` takes (the names come from rollout/gate/routers/, with each router's live half). */
export const ROUTERS: Record<Router, RouterModule> = { istio: istioRouter, nginx: nginxRouter, "gateway-api": gatewayApiRouter };
