"""Vraagbaak Banenafspraak: question answering with citations over banenafspraak documents."""
