"""The UI's own words, in Spanish and English.

Answers come in the question's language from the graph; everything around them (labels,
badges, messages) comes from here, so a Spanish-speaking user sees a Spanish page even
when asking about English documents. One table per language with the same keys; a test
checks they stay in step.
"""

from __future__ import annotations

import re

LANGUAGES: dict[str, str] = {"es": "Español", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Veraz",
        "tagline": "Respuestas con fuentes, comprobadas frase a frase contra tus documentos.",
        "language": "Idioma",
        "collection": "Colección",
        "collection_help": "Escribe un nombre nuevo para crear otra colección.",
        "collection_stats": "{documents} documentos · {chunks} fragmentos",
        "collection_invalid": "Nombre de colección no válido: {error}",
        "model_mismatch": "Esta colección se indexó con otro modelo de embeddings: {error}",
        "models": "Modelos",
        "model": "Modelo",
        "fallback_model": "Modelo de respaldo",
        "model_help": "proveedor:modelo (p. ej. ollama:qwen2.5:7b) o extractive.",
        "reachable": "disponible",
        "unreachable": "no disponible",
        "unreachable_note": "Si no responde, contestará el modelo de respaldo.",
        "upload": "Documentos",
        "upload_label": "Sube archivos para añadirlos a la colección",
        "upload_button": "Añadir a la colección",
        "ingesting": "Procesando {done} de {total} archivos…",
        "embedding": "Calculando embeddings…",
        "ingest_done": "Listo: {added} añadidos, {updated} actualizados, {unchanged} sin cambios, "
        "{failed} con errores ({seconds:.1f} s).",
        "file_ok": "✅ {name}",
        "file_failed": "❌ {name}: {reason}",
        "too_large": "pesa {size:.1f} MB; el máximo es {limit:.0f} MB",
        "unsupported": "tipo de archivo no admitido (se admiten: {types})",
        "threads": "Conversaciones",
        "new_thread": "Nueva conversación",
        "thread": "Conversación",
        "no_threads": "Aún no hay conversaciones.",
        "current_new": "(nueva)",
        "rename": "Cambiar nombre",
        "rename_button": "Guardar nombre",
        "delete": "Borrar conversación",
        "usage_thread": "Esta conversación: {usage}",
        "empty_collection": "La colección «{collection}» está vacía. Sube documentos en la barra "
        "lateral para empezar a preguntar.",
        "ask": "Pregunta algo sobre tus documentos…",
        "thinking": "Pensando…",
        "running": "Ejecutando: {node}…",
        "done": "Respuesta lista",
        "draft": "Borrador del modelo (aún sin verificar):",
        "verified": "verificada",
        "partly": "verificada en parte",
        "not_verified": "sin verificar",
        "abstained": "sin respuesta en los documentos",
        "score": "puntuación {score:.2f}",
        "unsupported_sentences": "Frases sin respaldo en las fuentes:",
        "abstained_note": "Veraz no encontró la respuesta en los documentos y prefiere no "
        "inventarla.",
        "fallback_note": "Respondió el modelo de respaldo ({model}): {reason}",
        "fallback_model_failed": "el modelo principal falló ({kind})",
        "fallback_unsupported": "la respuesta del modelo principal no estaba respaldada por "
        "las fuentes ({sentences} frases)",
        "fallback_failed_too": "; el modelo de respaldo también falló ({kind})",
        "fallback_not_an_answer": "la respuesta del modelo principal no respondía a la pregunta",
        "failure_rate_limit": "límite de peticiones",
        "failure_server_error": "error del servidor",
        "failure_auth": "clave rechazada",
        "failure_not_found": "modelo no encontrado",
        "failure_timeout": "tiempo agotado",
        "failure_connection": "sin conexión con el servidor",
        "failure_malformed": "respuesta mal formada",
        "sources": "Fuentes",
        "page": "p. {page}",
        "section": "sección «{section}»",
        "passage": "Pasaje",
        "trace": "Recorrido del grafo",
        "trace_node": "Nodo",
        "trace_ms": "ms",
        "trace_detail": "Detalle",
        "trace_total": "Total: {ms:.0f} ms · ruta «{route}» · modelo {model}",
        "usage": "{prompt}{approx} + {completion}{approx} tokens · {cost}",
        "cost_unknown": "coste desconocido (modelo sin precio)",
        "error": "No se pudo responder: {error}",
        "ingest_error": "No se pudo procesar la subida: {error}",
    },
    "en": {
        "title": "Veraz",
        "tagline": "Answers with sources, checked sentence by sentence against your documents.",
        "language": "Language",
        "collection": "Collection",
        "collection_help": "Type a new name to create another collection.",
        "collection_stats": "{documents} documents · {chunks} chunks",
        "collection_invalid": "Invalid collection name: {error}",
        "model_mismatch": "This collection was indexed with another embedding model: {error}",
        "models": "Models",
        "model": "Model",
        "fallback_model": "Fallback model",
        "model_help": "provider:model (e.g. ollama:qwen2.5:7b) or extractive.",
        "reachable": "reachable",
        "unreachable": "unreachable",
        "unreachable_note": "If it does not answer, the fallback model will.",
        "upload": "Documents",
        "upload_label": "Upload files to add them to the collection",
        "upload_button": "Add to the collection",
        "ingesting": "Processing {done} of {total} files…",
        "embedding": "Computing embeddings…",
        "ingest_done": "Done: {added} added, {updated} updated, {unchanged} unchanged, "
        "{failed} failed ({seconds:.1f} s).",
        "file_ok": "✅ {name}",
        "file_failed": "❌ {name}: {reason}",
        "too_large": "it is {size:.1f} MB; the limit is {limit:.0f} MB",
        "unsupported": "unsupported file type (supported: {types})",
        "threads": "Conversations",
        "new_thread": "New conversation",
        "thread": "Conversation",
        "no_threads": "No conversations yet.",
        "current_new": "(new)",
        "rename": "Rename",
        "rename_button": "Save name",
        "delete": "Delete conversation",
        "usage_thread": "This conversation: {usage}",
        "empty_collection": "The collection “{collection}” is empty. Upload documents in the "
        "sidebar to start asking.",
        "ask": "Ask something about your documents…",
        "thinking": "Thinking…",
        "running": "Running: {node}…",
        "done": "Answer ready",
        "draft": "Model draft (not verified yet):",
        "verified": "verified",
        "partly": "partly verified",
        "not_verified": "not verified",
        "abstained": "abstained",
        "score": "score {score:.2f}",
        "unsupported_sentences": "Sentences the sources do not support:",
        "abstained_note": "Veraz did not find the answer in the documents and will not make "
        "one up.",
        "fallback_note": "The fallback model ({model}) answered: {reason}",
        "fallback_model_failed": "the primary model failed ({kind})",
        "fallback_unsupported": "the primary model's answer was not supported by the sources "
        "({sentences} sentences)",
        "fallback_failed_too": "; the fallback model failed too ({kind})",
        "fallback_not_an_answer": "the primary model's answer did not answer the question",
        "failure_rate_limit": "rate limit",
        "failure_server_error": "server error",
        "failure_auth": "key rejected",
        "failure_not_found": "model not found",
        "failure_timeout": "timed out",
        "failure_connection": "no connection to the server",
        "failure_malformed": "malformed reply",
        "sources": "Sources",
        "page": "p. {page}",
        "section": "section “{section}”",
        "passage": "Passage",
        "trace": "Graph trace",
        "trace_node": "Node",
        "trace_ms": "ms",
        "trace_detail": "Detail",
        "trace_total": "Total: {ms:.0f} ms · route “{route}” · model {model}",
        "usage": "{prompt}{approx} + {completion}{approx} tokens · {cost}",
        "cost_unknown": "cost unknown (no price for this model)",
        "error": "Could not answer: {error}",
        "ingest_error": "Could not process the upload: {error}",
    },
}


# The graph's node names in the trace, per language (the identifiers stay in the API).
NODE_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "contextualize": "contextualizar",
        "route": "enrutar",
        "direct": "respuesta directa",
        "retrieve": "recuperar",
        "grade": "evaluar pasajes",
        "rewrite": "reescribir consulta",
        "generate": "generar",
        "decompose": "descomponer",
        "solve": "resolver subpregunta",
        "synthesize": "sintetizar",
        "verify": "verificar",
        "fallback": "modelo de respaldo",
        "trim": "recortar",
        "abstain": "abstenerse",
        "finalize": "finalizar",
    },
    "en": {},
}


def node_name(lang: str, node: str) -> str:
    """A node's name for the trace in ``lang`` (its identifier where none is given)."""
    return NODE_NAMES.get(lang, {}).get(node, node)


def text(lang: str, key: str, **values: object) -> str:
    """The UI string ``key`` in ``lang`` (English for an unknown language), formatted."""
    table = TEXTS.get(lang, TEXTS["en"])
    return table[key].format(**values) if values else table[key]


def preferred_language(locale: str | None) -> str:
    """The UI language for a browser locale: Spanish when the browser asks for it.

    Streamlit passes the browser's first language tag (``st.context.locale``, e.g.
    ``es-MX``); any Spanish variant gets Spanish, everything else English.
    """
    if locale and locale.strip().lower().split("-")[0].split("_")[0] == "es":
        return "es"
    return "en"


# Why ingestion refused a file, as the Spanish page says it. Ingestion words its reasons
# in English (they go to logs, JSON and the CLI); each pattern is one reason's English
# template, its groups the parts that stay as they are (sizes, names, library errors).
# An unknown reason is shown as it is. tests/test_ui.py keeps the patterns matching what
# ingestion really says.
INGEST_REASONS_ES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), spanish)
    for pattern, spanish in (
        (r"^empty file$", "archivo vacío"),
        (
            r"^file is (.+), over the limit of (.+) \(VERAZ_MAX_FILE_MB\)$",
            "pesa {0}, más que el límite de {1} (VERAZ_MAX_FILE_MB)",
        ),
        (
            r"^unsupported file type '(.*)' \(supported: (.*)\)$",
            "tipo de archivo no admitido «{0}» (se admiten: {1})",
        ),
        (r"^not a valid PDF: (.*)$", "no es un PDF válido: {0}"),
        (r"^PDF is encrypted \(password-protected\)$", "el PDF está cifrado (con contraseña)"),
        (
            r"^PDF has no text layer \(scanned\?\) and OCR is turned off$",
            "el PDF no tiene capa de texto (¿escaneado?) y el OCR está desactivado",
        ),
        (
            r"^PDF has no text layer \(scanned\?\); install tesseract-ocr.*$",
            "el PDF no tiene capa de texto (¿escaneado?); instala tesseract-ocr (y "
            "tesseract-ocr-spa) para leerlo con OCR",
        ),
        (
            r"^PDF has no text layer and OCR found no text in it$",
            "el PDF no tiene capa de texto y el OCR no encontró texto",
        ),
        (
            r"^binary content, not text \(is this really a \.(\w+) file\?\)$",
            "contenido binario, no texto (¿de verdad es un archivo .{0}?)",
        ),
        (
            r"^not a valid (\w+) file \(not a ZIP archive; corrupt\?\)$",
            "no es un archivo {0} válido (no es un ZIP; ¿está dañado?)",
        ),
        (r"^could not read (.+?) file: (.*)$", "no se pudo leer el archivo {0}: {1}"),
        (r"^cannot read file: permission denied$", "no se puede leer el archivo: permiso denegado"),
        (r"^cannot read file: (.*)$", "no se puede leer el archivo: {0}"),
        (r"^file not found$", "el archivo no existe"),
        (r"^no text$", "no tiene texto"),
        (r"^no text to index after parsing$", "no queda texto que indexar tras leerlo"),
        (
            r"^file changed while it was being read.*$",
            "el archivo cambió mientras se leía; se leerá de nuevo en la próxima ejecución",
        ),
    )
)


def ingest_reason(lang: str, reason: str) -> str:
    """Ingestion's reason for refusing a file, in ``lang`` (as it is when unknown)."""
    if lang != "es":
        return reason
    for pattern, spanish in INGEST_REASONS_ES:
        match = pattern.match(reason)
        if match:
            return spanish.format(*match.groups())
    return reason
