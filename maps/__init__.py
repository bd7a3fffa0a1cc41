"""Folium maps and HTML site reports drawn from results that already exist."""
