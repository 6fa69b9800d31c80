"""The Streamlit script behind ``veraz ui``: page setup, then sidebar, then chat.

Kept small on purpose: Streamlit reruns this file on every interaction, and each part
lives in its own module (sidebar, chat, answer view) where it can be read and tested.
"""

from __future__ import annotations

import streamlit as st

from ui.chat import chat
from ui.sidebar import language, sidebar
from ui.texts import text

st.set_page_config(page_title="Veraz", page_icon="✅", layout="wide")
lang = language()
st.title(text(lang, "title"))
st.caption(text(lang, "tagline"))
chat(sidebar(lang))
