"""What runs inside Bitrix24 besides the settings: the CRM card tab and the robot handler."""
