"""The LangGraph state graph that turns a question into a cited, verified answer."""
