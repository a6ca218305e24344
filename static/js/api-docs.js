// Renders /api/schema/ as a plain reference: operations, parameters, bodies and responses.
(function () {
  "use strict";
  const target = document.getElementById("reference");
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  const refName = (schema) => (schema && schema.$ref ? schema.$ref.split("/").pop() : null);
  const describe = (schema) => {
    if (!schema) return "";
    if (schema.$ref) return refName(schema);
    if (schema.type === "array") return "array of " + describe(schema.items);
    if (schema.enum) return (schema.type || "string") + " (" + schema.enum.join(", ") + ")";
    return (schema.type || "object") + (schema.format ? " (" + schema.format + ")" : "");
  };
  fetch(document.querySelector('a[href$="format=json"]').getAttribute("href"))
    .then((response) => response.json())
    .then((spec) => {
      target.textContent = "";
      const intro = el("p", spec.info.description);
      target.appendChild(intro);
      for (const [path, item] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const section = el("section");
          section.id = op.operationId;
          section.appendChild(el("h2", method.toUpperCase() + " " + path));
          if (op.summary) section.appendChild(el("p", op.summary));
          if (op.parameters && op.parameters.length) {
            const list = el("ul");
            for (const p of op.parameters) {
              const li = el("li");
              li.appendChild(el("code", p.name));
              li.appendChild(document.createTextNode(
                " (" + p.in + (p.required ? ", required" : "") + ") " + describe(p.schema) +
                (p.description ? " — " + p.description : "")));
              list.appendChild(li);
            }
            section.appendChild(el("h3", "Parameters"));
            section.appendChild(list);
          }
          if (op.requestBody) {
            const media = Object.values(op.requestBody.content)[0];
            section.appendChild(el("h3", "Body: " + describe(media.schema)));
          }
          const responses = el("ul");
          for (const [code, response] of Object.entries(op.responses)) {
            const media = response.content ? Object.entries(response.content)[0] : null;
            responses.appendChild(el("li", code + " " + (response.description || "") +
              (media ? " — " + media[0] + ": " + describe(media[1].schema) : "")));
          }
          section.appendChild(el("h3", "Responses"));
          section.appendChild(responses);
          target.appendChild(section);
        }
      }
      const schemas = el("section");
      schemas.appendChild(el("h2", "Schemas"));
      for (const [name, schema] of Object.entries(spec.components.schemas || {})) {
        const block = el("details");
        block.id = "schema-" + name;
        block.appendChild(el("summary", name));
        const list = el("ul");
        for (const [field, sub] of Object.entries(schema.properties || {})) {
          list.appendChild(el("li", field + ": " + describe(sub) + (sub.nullable ? ", nullable" : "")));
        }
        block.appendChild(list);
        schemas.appendChild(block);
      }
      target.appendChild(schemas);
    })
    .catch((error) => { target.textContent = "Could not load the schema: " + error; });
})();
