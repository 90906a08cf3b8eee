/**
 * The test-engine stand-in for the random resource plugin, on the SDK's provider framework: no
 * registry here serves the upstream plugin (pulumi-random), so the e2e tier's engine loads this one
 * under the version @pulumi/random asks for. Values come from Node's CSPRNG and stay as created until
 * an input changes, which replaces the resource; an unknown type or property fails loudly.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { containsUnknown, PropertyMap, revealAll } from "../shared/propertyValues";
import { resourceTypeOf } from "../shared/urn";
import { RANDOM_RESOURCES, RandomResource } from "./randomResources";
import { replacements } from "./replacements";

export class RandomProvider implements provider.Provider {
    constructor(readonly version: string) {}

    async check(urn: string, _olds: PropertyMap, news: PropertyMap): Promise<provider.CheckResult> {
        const type = resourceTypeOf(urn);
        return { inputs: news, failures: resourceOf(type).check(type, revealAll(news)) };
    }

    async diff(_id: string, urn: string, olds: PropertyMap, news: PropertyMap): Promise<provider.DiffResult> {
        const resource = resourceOf(resourceTypeOf(urn));
        const replaces = replacements(resource.inputValues(revealAll(olds)), resource.inputValues(revealAll(news)));
        return { changes: replaces.length > 0, replaces };
    }

    async create(urn: string, inputs: PropertyMap): Promise<provider.CreateResult> {
        const type = resourceTypeOf(urn);
        const resource = resourceOf(type);
        if (containsUnknown(inputs)) throw new Error(`${type} cannot be created from inputs that are not known yet`);
        return resource.create(inputs);
    }

    async read(id: string, urn: string, props: PropertyMap): Promise<provider.ReadResult> {
        resourceOf(resourceTypeOf(urn));
        return { id, props };
    }

    /** Never planned: every input forces a replacement (see replacements.ts). */
    async update(_id: string, urn: string): Promise<provider.UpdateResult> {
        throw new Error(`${resourceTypeOf(urn)} has no in-place update: every input change replaces it`);
    }

    async delete(_id: string, urn: string): Promise<void> {
        resourceOf(resourceTypeOf(urn));
    }
}

function resourceOf(type: string): RandomResource {
    const resource = RANDOM_RESOURCES.get(type);
    if (resource === undefined) {
        throw new Error(`unknown resource type ${type}: the random stand-in implements ${[...RANDOM_RESOURCES.keys()].join(", ")}`);
    }
    return resource;
}
