"""What the app's pages and the reports ask for: read services over the engine and `campaigns`.

Imports no Streamlit: pages call these functions (through the app's cache) and draw.
"""
