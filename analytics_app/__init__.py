"""Numbers and pictures: the KPI engine, weekly and final reports, the Streamlit app."""
