/** `npm run docs:config`: prints the table of stack settings in docs/configuration.md, generated from the config schema. */
import { configKeysMarkdown } from "../config/docs";

console.log(configKeysMarkdown());
