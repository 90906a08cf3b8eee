/**
 * The version a test-engine stand-in for the random or command plugin reports (no registry here
 * serves the upstream plugins): that of the npm SDK whose classes register the resources, so the
 * engine loads the stand-in as the plugin version the SDK asks for.
 */
import * as fs from "fs";

/** The package's version as its SDK's `getVersion()` gives it: semver, without npm's optional leading "v". */
export function sdkPackageVersion(packageName: string): string {
    const manifest = JSON.parse(fs.readFileSync(require.resolve(`${packageName}/package.json`), "utf8")) as { version: string };
    return manifest.version.replace(/^v/, "");
}
