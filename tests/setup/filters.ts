// The list's filter as the dashboard sends it (the URL state: statuses with include/exclude,
// search and searchMode, metadata pairs, from/to or a range), resolved into the one
// ExecutionFilter the services take, as filterOfQuery does for a query string.
import { filterOfUrlState, filterUrlStateSchema, type ExecutionFilter, type FilterUrlStateInput } from "../../server/executions/filters";

export const filterOf = (state: FilterUrlStateInput = {}, now = new Date()): ExecutionFilter => filterOfUrlState(filterUrlStateSchema.parse(state), now);
