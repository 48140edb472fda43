-- One database per service: services share nothing but the event log.
CREATE DATABASE intake;
CREATE DATABASE assessment;
CREATE DATABASE denials;
CREATE DATABASE reporting;
