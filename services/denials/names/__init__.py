"""The name tables of entity resolution: legal forms, abbreviations, stop words, spellings."""
