/**
 * The CrossGuard policy pack, as `pulumi preview --policy-pack policies` starts it: serves the pack's
 * policies to the engine over the Analyzer protocol. The policies themselves live in pack.ts so that
 * the offline audit and the tests can load them without starting a server.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
