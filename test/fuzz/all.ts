/** All fuzz targets: the core's and each family's. */
import type { FuzzTarget } from "../helpers/fuzz.ts";
import { coreTargets } from "./targets.ts";

export const allTargets: FuzzTarget[] = [...coreTargets];
