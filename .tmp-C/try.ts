import { loadStackConfig } from "../config/stackFile";
import { gateForStage } from "../rollout/gates";
const c = loadStackConfig("production");
console.log(JSON.stringify(c.gates.stages));
const g = gateForStage(c.gates, c.metrics, "canary", 1800);
console.log(JSON.stringify(g, null, 1).slice(0, 3000));
