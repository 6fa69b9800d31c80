"""What Veraz says about a model, in English and Spanish: reachability and setup problems.

``veraz models`` prints these in English; the UI's sidebar shows them in the language
the user picked, so a Spanish page never says "embedded: answers by quoting the
sources" under "Modelo". Each message is a code with parameters; the text is rendered
per language from the table below (one entry per code, both languages; a test keeps
them in step). Parameters are names, paths, numbers and library error text, which stay
as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "es")

MESSAGES: dict[str, dict[str, str]] = {
    # the embedded default
    "extractive": {
        "en": "embedded: answers by quoting the sources",
        "es": "integrado: responde citando frases de las fuentes",
    },
    # model settings
    "unknown_provider": {
        "en": "model {spec!r}: unknown provider {provider!r}; use extractive, {known}",
        "es": "modelo {spec!r}: proveedor {provider!r} desconocido; usa extractive, {known}",
    },
    "empty_model_name": {
        "en": "model {spec!r}: the model name after '{provider}:' is empty",
        "es": "modelo {spec!r}: falta el nombre del modelo después de '{provider}:'",
    },
    "missing_package": {
        "en": "{provider}: the Python package for this provider is missing ({package}); "
        "install it with: pip install 'veraz[{extra}]'",
        "es": "{provider}: falta el paquete de Python de este proveedor ({package}); "
        "instálalo con: pip install 'veraz[{extra}]'",
    },
    "check_failed": {
        "en": "{error}",
        "es": "la comprobación falló: {error}",
    },
    # Ollama
    "ollama_no_server": {
        "en": "no Ollama server at {host} ({error}); start it with: ollama serve",
        "es": "no hay servidor de Ollama en {host} ({error}); arráncalo con: ollama serve",
    },
    "ollama_pulled": {"en": "pulled on {host}", "es": "descargado en {host}"},
    "ollama_not_pulled": {
        "en": "not pulled on {host}; run: ollama pull {target}",
        "es": "no está descargado en {host}; ejecuta: ollama pull {target}",
    },
    # OpenAI-compatible servers
    "openai_no_key": {
        "en": "openai:{target}: OPENAI_API_KEY is not set; export it or put it in .env "
        "(for a local OpenAI-compatible server, set OPENAI_BASE_URL instead)",
        "es": "openai:{target}: OPENAI_API_KEY no está definida; expórtala o ponla en .env "
        "(para un servidor local compatible con OpenAI, define OPENAI_BASE_URL)",
    },
    "openai_key_rejected": {
        "en": "{where} rejected the key (OPENAI_API_KEY)",
        "es": "{where} rechazó la clave (OPENAI_API_KEY)",
    },
    "openai_unreachable": {
        "en": "{where} unreachable ({error})",
        "es": "{where} no responde ({error})",
    },
    "openai_not_served": {
        "en": "{where} does not serve {target}: {served}",
        "es": "{where} no sirve {target}: {served}",
    },
    "openai_served": {"en": "served by {where}", "es": "servido por {where}"},
    # Gemini
    "gemini_no_key": {
        "en": "gemini:{target}: GOOGLE_API_KEY (or GEMINI_API_KEY) is not set; "
        "export it or put it in .env",
        "es": "gemini:{target}: GOOGLE_API_KEY (o GEMINI_API_KEY) no está definida; "
        "expórtala o ponla en .env",
    },
    "gemini_not_found": {
        "en": "no Gemini model {target!r}",
        "es": "no hay modelo Gemini {target!r}",
    },
    "gemini_key_rejected": {
        "en": "the API key was rejected",
        "es": "la clave de la API fue rechazada",
    },
    "gemini_unreachable": {"en": "unreachable ({error})", "es": "no responde ({error})"},
    "gemini_available": {
        "en": "available (input limit {limit} tokens)",
        "es": "disponible (límite de entrada: {limit} tokens)",
    },
    # llama.cpp
    "gguf_no_file": {
        "en": "llamacpp:{target}: no such file ({path})",
        "es": "llamacpp:{target}: no existe el archivo ({path})",
    },
    "gguf_unreadable": {
        "en": "llamacpp:{target}: cannot read the file ({error})",
        "es": "llamacpp:{target}: no se puede leer el archivo ({error})",
    },
    "gguf_not_gguf": {
        "en": "llamacpp:{target}: not a GGUF model file (it does not start with 'GGUF'); "
        "convert it with llama.cpp's convert_hf_to_gguf.py",
        "es": "llamacpp:{target}: no es un modelo GGUF (no empieza por 'GGUF'); "
        "conviértelo con convert_hf_to_gguf.py de llama.cpp",
    },
    "gguf_load_failed": {
        "en": "llamacpp:{target}: llama.cpp could not load the model ({error})",
        "es": "llamacpp:{target}: llama.cpp no pudo cargar el modelo ({error})",
    },
    "gguf_ready": {
        "en": "GGUF file, {size_mb:.1f} MB; llama-cpp-python {version}",
        "es": "archivo GGUF de {size_mb:.1f} MB; llama-cpp-python {version}",
    },
    # Hugging Face transformers
    "hf_bad_target": {
        "en": "hf:{target}: expected hf:REPO_OR_PATH or hf:BASE+adapter=PATH",
        "es": "hf:{target}: se esperaba hf:REPO_O_RUTA o hf:BASE+adapter=RUTA",
    },
    "hf_not_a_folder_of": {
        "en": "hf: {folder} is not a {what} folder (no {marker})",
        "es": "hf: {folder} no es una carpeta de {what} (falta {marker})",
    },
    "hf_no_folder": {
        "en": "hf: {what} folder {name} does not exist",
        "es": "hf: la carpeta de {what} {name} no existe",
    },
    "hf_bad_name": {
        "en": "hf: {name!r} is neither a folder nor a Hugging Face repo id",
        "es": "hf: {name!r} no es una carpeta ni un repositorio de Hugging Face",
    },
    "hf_not_cached": {
        "en": "hf: {what} {name} is not in the local Hugging Face cache and offline mode is on "
        "(HF_HUB_OFFLINE); download it once with `hf download {name}` or give a folder",
        "es": "hf: {what} {name} no está en la caché local de Hugging Face y el modo sin "
        "conexión está activado (HF_HUB_OFFLINE); descárgalo una vez con "
        "`hf download {name}` o indica una carpeta",
    },
    "hf_load_failed": {
        "en": "hf:{target}: cannot load the model ({error})",
        "es": "hf:{target}: no se puede cargar el modelo ({error})",
    },
    "hf_adapter_failed": {
        "en": "hf:{target}: cannot apply the adapter ({error})",
        "es": "hf:{target}: no se puede aplicar el adaptador ({error})",
    },
    "hf_local_folder": {
        "en": "local folder {folder}; runs on {device}",
        "es": "carpeta local {folder}; se ejecuta en {device}",
    },
    "hf_cached": {
        "en": "in the Hugging Face cache; runs on {device}",
        "es": "en la caché de Hugging Face; se ejecuta en {device}",
    },
    "gguf_base_missing": {
        "en": "GGUF base {path} does not exist",
        "es": "el modelo base GGUF {path} no existe",
    },
    "gguf_base_failed": {
        "en": "cannot dequantise the GGUF base {path} with transformers ({error})",
        "es": "no se puede descuantizar el modelo base GGUF {path} con transformers ({error})",
    },
    "gguf_base_dequantised": {
        "en": "dequantised {name} ({types}, {file_mb:.0f} MB on disk) to {params_m:.0f}M "
        "{dtype} parameters: {size_mb:,.0f} MB in memory",
        "es": "descuantizado {name} ({types}, {file_mb:.0f} MB en disco) a {params_m:.0f}M "
        "parámetros {dtype}: {size_mb:,.0f} MB en memoria",
    },
    "hf_gguf_file": {
        "en": "GGUF file {path}, dequantised by transformers; runs on {device}",
        "es": "archivo GGUF {path}, descuantizado por transformers; se ejecuta en {device}",
    },
    "hf_download_first": {
        "en": "not cached: downloaded from the Hugging Face Hub on first use; runs on {device}",
        "es": "no está en caché: se descarga del Hugging Face Hub la primera vez; "
        "se ejecuta en {device}",
    },
}

# Words inside parameters that are themselves Veraz's wording, not names or paths.
_WHAT = {"model": {"es": "modelo"}, "adapter": {"es": "adaptador"}}


@dataclass(frozen=True)
class ModelMessage:
    """One thing to tell the user about a model: a code from :data:`MESSAGES` and its values."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        """The message in ``language`` (English for languages without a table)."""
        lang = language if language in LANGUAGES else "en"
        values = dict(self.params)
        if "what" in values:
            values["what"] = _WHAT.get(values["what"], {}).get(lang, values["what"])
        return MESSAGES[self.code][lang].format(**values)

    def __str__(self) -> str:
        return self.text("en")


def message(code: str, **params: Any) -> ModelMessage:
    """A :class:`ModelMessage`; raises KeyError for a code the table does not have."""
    if code not in MESSAGES:
        raise KeyError(f"no model message {code!r}")
    return ModelMessage(code, params)
