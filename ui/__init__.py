"""Streamlit chat UI (``veraz ui``): streamed answers with citations, badge and trace."""
