// Model names for ids, from the public catalog, fetched once per page load.
import { api } from "../api.js";

const names = new Map();

export async function modelName(modelId) {
  if (!names.has(modelId)) {
    names.set(modelId, api("GET", `/catalog/models/${encodeURIComponent(modelId)}`, { anonymous: true })
      .then(displayName, () => modelId));
  }
  return names.get(modelId);
}

// "Redmi Note 9 Pro" already names its brand; "Galaxy M31" does not.
export function displayName(model) {
  return model.name.startsWith(model.brand) ? model.name : `${model.brand} ${model.name}`;
}
