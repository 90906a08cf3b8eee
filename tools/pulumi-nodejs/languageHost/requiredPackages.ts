/**
 * The resource plugins a Node.js program needs: every installed package under the program's
 * `node_modules` folders whose package.json says `"pulumi": { "resource": true }`, with the plugin
 * name and version (`v`-prefixed) it declares, as the upstream language host reports them to the CLI,
 * which installs or loads those plugins before the program runs.
 */
import * as fs from "fs";
import * as path from "path";

export interface PluginPackage {
    name: string;
    /** Semantic version with a leading `v`. */
    version: string;
    /** Where the CLI may download the plugin; empty for Pulumi's default location. */
    server: string;
    parameterization?: { name: string; version: string; value: string };
}

interface PackageManifest {
    name?: string;
    version?: string;
    pulumi?: {
        resource?: boolean;
        name?: string;
        version?: string;
        server?: string;
        parameterization?: { name: string; version: string; value: string };
    };
}

/**
 * The plugin a package.json declares, if any. Packages outside the @pulumi scope must name their
 * plugin; a @pulumi/x package is plugin x.
 */
export function pluginOf(manifest: PackageManifest, file: string): PluginPackage | undefined {
    const pulumi = manifest.pulumi;
    if (!pulumi?.resource) return undefined;
    const name = pulumi.name || (manifest.name?.startsWith("@pulumi/") ? manifest.name.slice("@pulumi/".length) : undefined);
    if (!name) throw new Error(`${file}: a third-party plugin package must name its plugin in "pulumi": { "name": ... }`);
    const version = pulumi.version || manifest.version;
    if (!version) throw new Error(`${file}: missing expected "version" property`);
    return {
        name,
        version: version.startsWith("v") ? version : `v${version}`,
        server: pulumi.server ?? "",
        ...(pulumi.parameterization ? { parameterization: pulumi.parameterization } : {}),
    };
}

/**
 * Walks the program's folders for `node_modules` (not into hidden folders such as .git, nor into
 * nested policy packs, whose plugins are not the program's) and reads each installed package's
 * manifest, nested `node_modules` included. Symlinked folders are followed once.
 */
export function requiredPackages(programDirectory: string): PluginPackage[] {
    const found = new Map<string, PluginPackage>();
    const visited = new Set<string>();
    const real = (dir: string): string | undefined => {
        try {
            const resolved = fs.realpathSync(dir);
            if (visited.has(resolved) || !fs.statSync(resolved).isDirectory()) return undefined;
            visited.add(resolved);
            return resolved;
        } catch {
            return undefined;
        }
    };
    const readPackage = (dir: string): void => {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const plugin = pluginOf(JSON.parse(fs.readFileSync(file, "utf8")) as PackageManifest, file);
            if (plugin) found.set(`${plugin.name}@${plugin.version}`, plugin);
        }
        const nested = real(path.join(dir, "node_modules"));
        if (nested) walkModules(nested);
    };
    const walkModules = (modules: string): void => {
        for (const entry of fs.readdirSync(modules)) {
            if (entry.startsWith(".")) continue;
            const dir = real(path.join(modules, entry));
            if (!dir) continue;
            if (entry.startsWith("@")) {
                for (const scoped of fs.readdirSync(dir)) {
                    const pkg = real(path.join(dir, scoped));
                    if (pkg) readPackage(pkg);
                }
            } else readPackage(dir);
        }
    };
    const walkProject = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (entry.name.startsWith(".") || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
            const child = real(path.join(dir, entry.name));
            if (!child) continue;
            // By the resolved name: a link to a node_modules folder is one.
            if (path.basename(child) === "node_modules") walkModules(child);
            else if (!fs.existsSync(path.join(child, "PulumiPolicy.yaml"))) walkProject(child);
        }
    };
    const root = real(programDirectory);
    if (root) walkProject(root);
    return [...found.values()];
}
