"""Personal data that can be erased without rewriting history (crypto-shredding).

- `subjects`: who a data subject is (one id per person, the same in every service);
- `crypto`: a personal field sealed with AES-GCM under its subject's data key;
- `fields`: where the personal fields of a payload are (the contracts' `PersonalData` marks);
- `keys`: each service's key store (its own database) and the key bucket between services;
- `vault`: sealing before an event is hashed and stored, opening when it is read;
- `erased`: how a field reads once its key is gone (`Erased`, a `str`);
- `erasure`: erasing a subject, retention periods, the subjects due for erasure;
- `access`: reads of personal data, logged.
"""
