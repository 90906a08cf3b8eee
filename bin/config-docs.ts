/**
 * `npm run docs:config`: prints the table of stack settings in docs/configuration.md, generated from the
 * config schema; `npm run docs:config -- --charts`: the table of Helm charts per stack in its
 * "Air-gapped clusters" section, from the stack files.
 */
import { configKeysMarkdown } from "../config/docs";
import { shippedHelmChartsMarkdown } from "../components/kubernetes/helmChartsDocs";

console.log(process.argv.includes("--charts") ? shippedHelmChartsMarkdown() : configKeysMarkdown());
