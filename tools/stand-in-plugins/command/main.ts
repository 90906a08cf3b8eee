/**
 * Entry point of the test-engine stand-in for the command resource plugin (no registry here serves
 * the upstream one): `node --require scripts/load-typescript.js tools/stand-in-plugins/command/main.ts
 * <engine-address>` serves the ResourceProvider gRPC and prints its port, as a plugin must; the
 * commands' logged lines go to the engine at that address.
 */
import * as provider from "@pulumi/pulumi/provider";
import { engineAddressFrom } from "../shared/engineAddress";
import { sdkPackageVersion } from "../shared/packageVersion";
import { CommandProvider } from "./commandProvider";
import { EngineLog } from "./engineLog";

const args = process.argv.slice(2);
const engineAddress = engineAddressFrom(args);
const plugin = new CommandProvider(
    sdkPackageVersion("@pulumi/command"),
    engineAddress === undefined ? undefined : new EngineLog(engineAddress),
);
provider.main(plugin, args).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
